package dev.gips.windows;

import static dev.gips.windows.Native.BOOL;
import static dev.gips.windows.Native.DWORD;
import static dev.gips.windows.Native.POINTER;
import static dev.gips.windows.Native.ULONG_PTR;
import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * Structs of {@code <minwinbase.h>} that the {@link Kernel32} functions take: the {@code OVERLAPPED} of every
 * overlapped call, the {@code OVERLAPPED_ENTRY} a completion port hands back, the {@code SECURITY_ATTRIBUTES} of pipes
 * and sections. Plain layouts, usable on any OS; the structs of {@code <winnt.h>} sit with the DLL class whose
 * functions take them ({@code Kernel32.MEMORY_BASIC_INFORMATION}, {@code Advapi32.TOKEN_USER}…).
 */
final class MinWinBase {
    private MinWinBase() {}

    /**
     * <pre>{@code
     * typedef struct _OVERLAPPED {
     *     ULONG_PTR Internal;      // NTSTATUS
     *     ULONG_PTR InternalHigh;  // bytes transferred
     *     union { struct { DWORD Offset; DWORD OffsetHigh; }; PVOID Pointer; };
     *     HANDLE hEvent;
     * } OVERLAPPED;
     * }</pre>
     */
    static final StructLayout OVERLAPPED = MemoryLayout.structLayout(
            ULONG_PTR.withName("Internal"),
            ULONG_PTR.withName("InternalHigh"),
            DWORD.withName("Offset"),
            DWORD.withName("OffsetHigh"),
            POINTER.withName("hEvent")).withName("OVERLAPPED");

    /**
     * <pre>{@code
     * typedef struct _OVERLAPPED_ENTRY {
     *     ULONG_PTR lpCompletionKey; LPOVERLAPPED lpOverlapped; ULONG_PTR Internal;
     *     DWORD dwNumberOfBytesTransferred;
     * } OVERLAPPED_ENTRY;
     * }</pre>
     */
    static final StructLayout OVERLAPPED_ENTRY = MemoryLayout.structLayout(
            ULONG_PTR.withName("lpCompletionKey"),
            POINTER.withName("lpOverlapped"),
            ULONG_PTR.withName("Internal"),
            DWORD.withName("dwNumberOfBytesTransferred"),
            MemoryLayout.paddingLayout(4)).withName("OVERLAPPED_ENTRY");
    static final long OVERLAPPED_ENTRY_lpCompletionKey = OVERLAPPED_ENTRY.byteOffset(groupElement("lpCompletionKey"));
    static final long OVERLAPPED_ENTRY_lpOverlapped = OVERLAPPED_ENTRY.byteOffset(groupElement("lpOverlapped"));
    static final long OVERLAPPED_ENTRY_Internal = OVERLAPPED_ENTRY.byteOffset(groupElement("Internal"));
    static final long OVERLAPPED_ENTRY_dwNumberOfBytesTransferred =
            OVERLAPPED_ENTRY.byteOffset(groupElement("dwNumberOfBytesTransferred"));

    /**
     * <pre>{@code
     * typedef struct _SECURITY_ATTRIBUTES {
     *     DWORD nLength; LPVOID lpSecurityDescriptor; BOOL bInheritHandle;
     * } SECURITY_ATTRIBUTES;
     * }</pre>
     */
    static final StructLayout SECURITY_ATTRIBUTES = MemoryLayout.structLayout(
            DWORD.withName("nLength"),
            MemoryLayout.paddingLayout(4),
            POINTER.withName("lpSecurityDescriptor"),
            BOOL.withName("bInheritHandle"),
            MemoryLayout.paddingLayout(4)).withName("SECURITY_ATTRIBUTES");
    static final long SECURITY_ATTRIBUTES_nLength = SECURITY_ATTRIBUTES.byteOffset(groupElement("nLength"));
    static final long SECURITY_ATTRIBUTES_lpSecurityDescriptor =
            SECURITY_ATTRIBUTES.byteOffset(groupElement("lpSecurityDescriptor"));
    static final long SECURITY_ATTRIBUTES_bInheritHandle =
            SECURITY_ATTRIBUTES.byteOffset(groupElement("bInheritHandle"));
}
