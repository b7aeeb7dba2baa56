package dev.gips.windows;

import static dev.gips.windows.Native.BOOL;
import static dev.gips.windows.Native.DWORD;
import static dev.gips.windows.Native.POINTER;
import static dev.gips.windows.Native.SIZE_T;
import static dev.gips.windows.Native.ULONG_PTR;
import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

/**
 * Bindings for {@code kernel32.dll}: named pipes, files, handles, events, I/O completion ports, file mappings
 * ({@code namedpipeapi.h}, {@code fileapi.h}, {@code ioapiset.h}, {@code memoryapi.h}, {@code handleapi.h}…). The
 * constants and layouts load on any OS; the DLL is looked up on the first call, and each function links on its first
 * call, in a holder class of its own.
 */
final class Kernel32 {
    private Kernel32() {}

    static final String DLL = "kernel32.dll";

    // CreateNamedPipeW dwOpenMode
    static final int PIPE_ACCESS_DUPLEX = 0x3;
    static final int FILE_FLAG_OVERLAPPED = 0x4000_0000;
    static final int FILE_FLAG_FIRST_PIPE_INSTANCE = 0x0008_0000;
    // CreateNamedPipeW dwPipeMode, SetNamedPipeHandleState
    static final int PIPE_TYPE_MESSAGE = 0x4;
    static final int PIPE_READMODE_MESSAGE = 0x2;
    static final int PIPE_WAIT = 0;
    static final int PIPE_REJECT_REMOTE_CLIENTS = 0x8;
    static final int PIPE_UNLIMITED_INSTANCES = 255;
    static final int NMPWAIT_USE_DEFAULT_WAIT = 0;

    // access rights and CreateFileW
    /** On a pipe, {@code FILE_APPEND_DATA}: the right to create another instance of the pipe's name. */
    static final int FILE_CREATE_PIPE_INSTANCE = 0x4;
    static final int FILE_GENERIC_READ = 0x0012_0089;
    static final int FILE_GENERIC_WRITE = 0x0012_0116;
    static final int OPEN_EXISTING = 3;
    static final int SECURITY_SQOS_PRESENT = 0x0010_0000;
    static final int SECURITY_IDENTIFICATION = 0x0001_0000;

    // handles and processes
    static final int DUPLICATE_CLOSE_SOURCE = 0x1;
    static final int DUPLICATE_SAME_ACCESS = 0x2;
    static final int PROCESS_DUP_HANDLE = 0x0040;
    static final int PROCESS_QUERY_LIMITED_INFORMATION = 0x1000;
    static final int INFINITE = 0xFFFF_FFFF;

    // file mappings
    static final int PAGE_READWRITE = 0x04;
    static final int SEC_COMMIT = 0x0800_0000;
    static final int FILE_MAP_WRITE = 0x2;
    static final int FILE_MAP_READ = 0x4;

    /**
     * <pre>{@code
     * typedef struct _MEMORY_BASIC_INFORMATION {
     *     PVOID BaseAddress; PVOID AllocationBase; DWORD AllocationProtect; SIZE_T RegionSize;
     *     DWORD State; DWORD Protect; DWORD Type;
     * } MEMORY_BASIC_INFORMATION;
     * }</pre>
     */
    static final StructLayout MEMORY_BASIC_INFORMATION = MemoryLayout.structLayout(
            POINTER.withName("BaseAddress"),
            POINTER.withName("AllocationBase"),
            DWORD.withName("AllocationProtect"),
            MemoryLayout.paddingLayout(4),
            SIZE_T.withName("RegionSize"),
            DWORD.withName("State"),
            DWORD.withName("Protect"),
            DWORD.withName("Type"),
            MemoryLayout.paddingLayout(4)).withName("MEMORY_BASIC_INFORMATION");
    static final long MEMORY_BASIC_INFORMATION_RegionSize =
            MEMORY_BASIC_INFORMATION.byteOffset(groupElement("RegionSize"));

    private static final class CreateNamedPipeW {
        static final MethodHandle CreateNamedPipeW = Native.downcall(DLL, "CreateNamedPipeW",
                FunctionDescriptor.of(POINTER, POINTER, DWORD, DWORD, DWORD, DWORD, DWORD, DWORD, POINTER));
    }
    private static final class ConnectNamedPipe {
        static final MethodHandle ConnectNamedPipe = Native.downcall(DLL, "ConnectNamedPipe",
                FunctionDescriptor.of(BOOL, POINTER, POINTER));
    }
    private static final class WaitNamedPipeW {
        static final MethodHandle WaitNamedPipeW = Native.downcall(DLL, "WaitNamedPipeW",
                FunctionDescriptor.of(BOOL, POINTER, DWORD));
    }
    private static final class PeekNamedPipe {
        static final MethodHandle PeekNamedPipe = Native.downcall(DLL, "PeekNamedPipe",
                FunctionDescriptor.of(BOOL, POINTER, POINTER, DWORD, POINTER, POINTER, POINTER));
    }
    private static final class GetNamedPipeClientProcessId {
        static final MethodHandle GetNamedPipeClientProcessId = Native.downcall(DLL, "GetNamedPipeClientProcessId",
                FunctionDescriptor.of(BOOL, POINTER, POINTER));
    }
    private static final class GetNamedPipeServerProcessId {
        static final MethodHandle GetNamedPipeServerProcessId = Native.downcall(DLL, "GetNamedPipeServerProcessId",
                FunctionDescriptor.of(BOOL, POINTER, POINTER));
    }
    private static final class SetNamedPipeHandleState {
        static final MethodHandle SetNamedPipeHandleState = Native.downcall(DLL, "SetNamedPipeHandleState",
                FunctionDescriptor.of(BOOL, POINTER, POINTER, POINTER, POINTER));
    }
    private static final class CreateFileW {
        static final MethodHandle CreateFileW = Native.downcall(DLL, "CreateFileW",
                FunctionDescriptor.of(POINTER, POINTER, DWORD, DWORD, POINTER, DWORD, DWORD, POINTER));
    }
    private static final class ReadFile {
        static final MethodHandle ReadFile = Native.downcall(DLL, "ReadFile",
                FunctionDescriptor.of(BOOL, POINTER, POINTER, DWORD, POINTER, POINTER));
    }
    private static final class WriteFile {
        static final MethodHandle WriteFile = Native.downcall(DLL, "WriteFile",
                FunctionDescriptor.of(BOOL, POINTER, POINTER, DWORD, POINTER, POINTER));
    }
    private static final class GetOverlappedResult {
        static final MethodHandle GetOverlappedResult = Native.downcall(DLL, "GetOverlappedResult",
                FunctionDescriptor.of(BOOL, POINTER, POINTER, POINTER, BOOL));
    }
    private static final class CancelIoEx {
        static final MethodHandle CancelIoEx = Native.downcall(DLL, "CancelIoEx",
                FunctionDescriptor.of(BOOL, POINTER, POINTER));
    }
    private static final class CloseHandle {
        static final MethodHandle CloseHandle = Native.downcall(DLL, "CloseHandle",
                FunctionDescriptor.of(BOOL, POINTER));
    }
    private static final class DuplicateHandle {
        static final MethodHandle DuplicateHandle = Native.downcall(DLL, "DuplicateHandle",
                FunctionDescriptor.of(BOOL, POINTER, POINTER, POINTER, POINTER, DWORD, BOOL, DWORD));
    }
    private static final class GetHandleInformation {
        static final MethodHandle GetHandleInformation = Native.downcall(DLL, "GetHandleInformation",
                FunctionDescriptor.of(BOOL, POINTER, POINTER));
    }
    private static final class OpenProcess {
        static final MethodHandle OpenProcess = Native.downcall(DLL, "OpenProcess",
                FunctionDescriptor.of(POINTER, DWORD, BOOL, DWORD));
    }
    private static final class GetCurrentProcessId {
        static final MethodHandle GetCurrentProcessId = Native.downcall(DLL, "GetCurrentProcessId",
                FunctionDescriptor.of(DWORD));
    }
    private static final class CreateIoCompletionPort {
        static final MethodHandle CreateIoCompletionPort = Native.downcall(DLL, "CreateIoCompletionPort",
                FunctionDescriptor.of(POINTER, POINTER, POINTER, ULONG_PTR, DWORD));
    }
    private static final class GetQueuedCompletionStatusEx {
        static final MethodHandle GetQueuedCompletionStatusEx = Native.downcall(DLL, "GetQueuedCompletionStatusEx",
                FunctionDescriptor.of(BOOL, POINTER, POINTER, DWORD, POINTER, DWORD, BOOL));
    }
    private static final class PostQueuedCompletionStatus {
        static final MethodHandle PostQueuedCompletionStatus = Native.downcall(DLL, "PostQueuedCompletionStatus",
                FunctionDescriptor.of(BOOL, POINTER, DWORD, ULONG_PTR, POINTER));
    }
    private static final class CreateFileMappingW {
        static final MethodHandle CreateFileMappingW = Native.downcall(DLL, "CreateFileMappingW",
                FunctionDescriptor.of(POINTER, POINTER, POINTER, DWORD, DWORD, DWORD, POINTER));
    }
    private static final class OpenFileMappingW {
        static final MethodHandle OpenFileMappingW = Native.downcall(DLL, "OpenFileMappingW",
                FunctionDescriptor.of(POINTER, DWORD, BOOL, POINTER));
    }
    private static final class MapViewOfFile {
        static final MethodHandle MapViewOfFile = Native.downcall(DLL, "MapViewOfFile",
                FunctionDescriptor.of(POINTER, POINTER, DWORD, DWORD, DWORD, SIZE_T));
    }
    private static final class UnmapViewOfFile {
        static final MethodHandle UnmapViewOfFile = Native.downcall(DLL, "UnmapViewOfFile",
                FunctionDescriptor.of(BOOL, POINTER));
    }
    private static final class VirtualQuery {
        static final MethodHandle VirtualQuery = Native.downcall(DLL, "VirtualQuery",
                FunctionDescriptor.of(SIZE_T, POINTER, POINTER, SIZE_T));
    }
    private static final class LocalFree {
        static final MethodHandle LocalFree = Native.downcall(DLL, "LocalFree",
                FunctionDescriptor.of(POINTER, POINTER));
    }

    /** {@code HANDLE CreateNamedPipeW(LPCWSTR, DWORD openMode, DWORD pipeMode, DWORD maxInstances, DWORD outSize,
     * DWORD inSize, DWORD defaultTimeout, LPSECURITY_ATTRIBUTES);} */
    static long CreateNamedPipeW(MemorySegment err, MemorySegment name, int openMode, int pipeMode, int maxInstances,
            int outSize, int inSize, int defaultTimeout, MemorySegment sa) {
        try {
            return ((MemorySegment) CreateNamedPipeW.CreateNamedPipeW.invokeExact(err, name, openMode, pipeMode,
                    maxInstances, outSize, inSize, defaultTimeout, sa)).address();
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code BOOL ConnectNamedPipe(HANDLE, LPOVERLAPPED);} */
    static int ConnectNamedPipe(MemorySegment err, long pipe, MemorySegment overlapped) {
        try {
            return (int) ConnectNamedPipe.ConnectNamedPipe.invokeExact(err, Native.handle(pipe), overlapped);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }


    /** {@code BOOL WaitNamedPipeW(LPCWSTR, DWORD timeoutMs);} */
    static int WaitNamedPipeW(MemorySegment err, MemorySegment name, int timeoutMs) {
        try {
            return (int) WaitNamedPipeW.WaitNamedPipeW.invokeExact(err, name, timeoutMs);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code BOOL PeekNamedPipe(HANDLE, LPVOID buf, DWORD size, LPDWORD read, LPDWORD avail, LPDWORD leftInMsg);} */
    static int PeekNamedPipe(MemorySegment err, long pipe, MemorySegment buf, int size, MemorySegment read,
            MemorySegment avail, MemorySegment leftInMessage) {
        try {
            return (int) PeekNamedPipe.PeekNamedPipe.invokeExact(err, Native.handle(pipe), buf, size, read, avail,
                    leftInMessage);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code BOOL GetNamedPipeClientProcessId(HANDLE, PULONG);} */
    static int GetNamedPipeClientProcessId(MemorySegment err, long pipe, MemorySegment pid) {
        try {
            return (int) GetNamedPipeClientProcessId.GetNamedPipeClientProcessId.invokeExact(err, Native.handle(pipe),
                    pid);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code BOOL GetNamedPipeServerProcessId(HANDLE, PULONG);} */
    static int GetNamedPipeServerProcessId(MemorySegment err, long pipe, MemorySegment pid) {
        try {
            return (int) GetNamedPipeServerProcessId.GetNamedPipeServerProcessId.invokeExact(err, Native.handle(pipe),
                    pid);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code BOOL SetNamedPipeHandleState(HANDLE, LPDWORD mode, LPDWORD maxCollection, LPDWORD collectTimeout);} */
    static int SetNamedPipeHandleState(MemorySegment err, long pipe, MemorySegment mode) {
        try {
            return (int) SetNamedPipeHandleState.SetNamedPipeHandleState.invokeExact(err, Native.handle(pipe), mode,
                    MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code HANDLE CreateFileW(LPCWSTR, DWORD access, DWORD share, LPSECURITY_ATTRIBUTES, DWORD disposition,
     * DWORD flagsAndAttributes, HANDLE template);} */
    static long CreateFileW(MemorySegment err, MemorySegment name, int access, int share, MemorySegment sa,
            int disposition, int flags) {
        try {
            return ((MemorySegment) CreateFileW.CreateFileW.invokeExact(err, name, access, share, sa, disposition,
                    flags, MemorySegment.NULL)).address();
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code BOOL ReadFile(HANDLE, LPVOID, DWORD, LPDWORD, LPOVERLAPPED);} with a null byte count (overlapped). */
    static int ReadFile(MemorySegment err, long file, MemorySegment buf, int size, MemorySegment overlapped) {
        try {
            return (int) ReadFile.ReadFile.invokeExact(err, Native.handle(file), buf, size, MemorySegment.NULL,
                    overlapped);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code BOOL WriteFile(HANDLE, LPCVOID, DWORD, LPDWORD, LPOVERLAPPED);} with a null byte count (overlapped). */
    static int WriteFile(MemorySegment err, long file, MemorySegment buf, int size, MemorySegment overlapped) {
        try {
            return (int) WriteFile.WriteFile.invokeExact(err, Native.handle(file), buf, size, MemorySegment.NULL,
                    overlapped);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code BOOL GetOverlappedResult(HANDLE, LPOVERLAPPED, LPDWORD bytes, BOOL wait);} */
    static int GetOverlappedResult(MemorySegment err, long file, MemorySegment overlapped, MemorySegment bytes,
            int wait) {
        try {
            return (int) GetOverlappedResult.GetOverlappedResult.invokeExact(err, Native.handle(file), overlapped,
                    bytes, wait);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code BOOL CancelIoEx(HANDLE, LPOVERLAPPED);} */
    static int CancelIoEx(MemorySegment err, long file, MemorySegment overlapped) {
        try {
            return (int) CancelIoEx.CancelIoEx.invokeExact(err, Native.handle(file), overlapped);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code BOOL CloseHandle(HANDLE);} */
    static int CloseHandle(MemorySegment err, long handle) {
        try {
            return (int) CloseHandle.CloseHandle.invokeExact(err, Native.handle(handle));
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code BOOL DuplicateHandle(HANDLE srcProcess, HANDLE src, HANDLE dstProcess, LPHANDLE dst, DWORD access,
     * BOOL inherit, DWORD options);} */
    static int DuplicateHandle(MemorySegment err, long srcProcess, long src, long dstProcess, MemorySegment dst,
            int access, int inherit, int options) {
        try {
            return (int) DuplicateHandle.DuplicateHandle.invokeExact(err, Native.handle(srcProcess), Native.handle(src),
                    Native.handle(dstProcess), dst, access, inherit, options);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code BOOL GetHandleInformation(HANDLE, LPDWORD flags);} */
    static int GetHandleInformation(MemorySegment err, long handle, MemorySegment flags) {
        try {
            return (int) GetHandleInformation.GetHandleInformation.invokeExact(err, Native.handle(handle), flags);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code HANDLE OpenProcess(DWORD access, BOOL inherit, DWORD pid);} */
    static long OpenProcess(MemorySegment err, int access, int inherit, int pid) {
        try {
            return ((MemorySegment) OpenProcess.OpenProcess.invokeExact(err, access, inherit, pid)).address();
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code DWORD GetCurrentProcessId(void);} */
    static int GetCurrentProcessId(MemorySegment err) {
        try {
            return (int) GetCurrentProcessId.GetCurrentProcessId.invokeExact(err);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code HANDLE CreateIoCompletionPort(HANDLE file, HANDLE existing, ULONG_PTR key, DWORD threads);} */
    static long CreateIoCompletionPort(MemorySegment err, long file, long existing, long key, int threads) {
        try {
            return ((MemorySegment) CreateIoCompletionPort.CreateIoCompletionPort.invokeExact(err, Native.handle(file),
                    Native.handle(existing), key, threads)).address();
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code BOOL GetQueuedCompletionStatusEx(HANDLE, LPOVERLAPPED_ENTRY, ULONG count, PULONG removed,
     * DWORD ms, BOOL alertable);} */
    static int GetQueuedCompletionStatusEx(MemorySegment err, long port, MemorySegment entries, int count,
            MemorySegment removed, int ms) {
        try {
            return (int) GetQueuedCompletionStatusEx.GetQueuedCompletionStatusEx.invokeExact(err, Native.handle(port),
                    entries, count, removed, ms, 0);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code BOOL PostQueuedCompletionStatus(HANDLE, DWORD bytes, ULONG_PTR key, LPOVERLAPPED);} */
    static int PostQueuedCompletionStatus(MemorySegment err, long port, int bytes, long key,
            MemorySegment overlapped) {
        try {
            return (int) PostQueuedCompletionStatus.PostQueuedCompletionStatus.invokeExact(err, Native.handle(port),
                    bytes, key, overlapped);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code HANDLE CreateFileMappingW(HANDLE file, LPSECURITY_ATTRIBUTES, DWORD protect, DWORD maxHigh,
     * DWORD maxLow, LPCWSTR name);} */
    static long CreateFileMappingW(MemorySegment err, long file, MemorySegment sa, int protect, int maxHigh,
            int maxLow, MemorySegment name) {
        try {
            return ((MemorySegment) CreateFileMappingW.CreateFileMappingW.invokeExact(err, Native.handle(file), sa,
                    protect, maxHigh, maxLow, name)).address();
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code HANDLE OpenFileMappingW(DWORD access, BOOL inherit, LPCWSTR name);} */
    static long OpenFileMappingW(MemorySegment err, int access, int inherit, MemorySegment name) {
        try {
            return ((MemorySegment) OpenFileMappingW.OpenFileMappingW.invokeExact(err, access, inherit, name)).address(
                    );
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code LPVOID MapViewOfFile(HANDLE, DWORD access, DWORD offHigh, DWORD offLow, SIZE_T bytes);} */
    static MemorySegment MapViewOfFile(MemorySegment err, long mapping, int access, int offHigh, int offLow,
            long bytes) {
        try {
            return (MemorySegment) MapViewOfFile.MapViewOfFile.invokeExact(err, Native.handle(mapping), access, offHigh,
                    offLow, bytes);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code BOOL UnmapViewOfFile(LPCVOID);} */
    static int UnmapViewOfFile(MemorySegment err, MemorySegment view) {
        try {
            return (int) UnmapViewOfFile.UnmapViewOfFile.invokeExact(err, view);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code SIZE_T VirtualQuery(LPCVOID, PMEMORY_BASIC_INFORMATION, SIZE_T);} */
    static long VirtualQuery(MemorySegment err, MemorySegment address, MemorySegment info) {
        try {
            return (long) VirtualQuery.VirtualQuery.invokeExact(err, address, info, info.byteSize());
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code HLOCAL LocalFree(HLOCAL);} */
    static long LocalFree(MemorySegment err, MemorySegment mem) {
        try {
            return ((MemorySegment) LocalFree.LocalFree.invokeExact(err, mem)).address();
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }
}
