package dev.gips.windows;

import static dev.gips.windows.Native.BOOL;
import static dev.gips.windows.Native.DWORD;
import static dev.gips.windows.Native.POINTER;
import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

/**
 * Bindings for {@code advapi32.dll}: access tokens, SIDs, security descriptors, pipe-client impersonation
 * ({@code securitybaseapi.h}, {@code processthreadsapi.h}, {@code sddl.h}, {@code winbase.h}). Constants and layouts
 * load on any OS; each function links on its first call, in a holder class of its own.
 */
final class Advapi32 {
    private Advapi32() {}

    static final String DLL = "advapi32.dll";

    static final int TOKEN_QUERY = 0x0008;

    // TOKEN_INFORMATION_CLASS
    static final int TokenUser = 1;
    static final int TokenGroups = 2;
    static final int TokenPrimaryGroup = 5;
    static final int TokenElevation = 20;

    // SID_AND_ATTRIBUTES.Attributes of groups
    static final int SE_GROUP_ENABLED = 0x4;
    static final int SE_GROUP_USE_FOR_DENY_ONLY = 0x10;
    static final int SE_GROUP_INTEGRITY = 0x20;

    static final int SDDL_REVISION_1 = 1;

    // SID_NAME_USE
    static final int SidTypeUser = 1;
    static final int SidTypeGroup = 2;
    static final int SidTypeAlias = 4;
    static final int SidTypeWellKnownGroup = 5;

    /** {@code typedef struct _SID_AND_ATTRIBUTES { PSID Sid; DWORD Attributes; } SID_AND_ATTRIBUTES;} */
    static final StructLayout SID_AND_ATTRIBUTES = MemoryLayout.structLayout(
            POINTER.withName("Sid"),
            DWORD.withName("Attributes"),
            MemoryLayout.paddingLayout(4)).withName("SID_AND_ATTRIBUTES");
    static final long SID_AND_ATTRIBUTES_Sid = SID_AND_ATTRIBUTES.byteOffset(groupElement("Sid"));
    static final long SID_AND_ATTRIBUTES_Attributes = SID_AND_ATTRIBUTES.byteOffset(groupElement("Attributes"));

    /** {@code typedef struct _TOKEN_USER { SID_AND_ATTRIBUTES User; } TOKEN_USER;} (the SID follows in the buffer) */
    static final StructLayout TOKEN_USER = MemoryLayout.structLayout(
            SID_AND_ATTRIBUTES.withName("User")).withName("TOKEN_USER");
    static final long TOKEN_USER_User = TOKEN_USER.byteOffset(groupElement("User"));

    /**
     * {@code typedef struct _TOKEN_GROUPS { DWORD GroupCount; SID_AND_ATTRIBUTES Groups[ANYSIZE_ARRAY]; }
     * TOKEN_GROUPS;} with {@code ANYSIZE_ARRAY} = 1: {@code GroupCount} entries follow from {@code Groups}.
     */
    static final StructLayout TOKEN_GROUPS = MemoryLayout.structLayout(
            DWORD.withName("GroupCount"),
            MemoryLayout.paddingLayout(4),
            MemoryLayout.sequenceLayout(1, SID_AND_ATTRIBUTES).withName("Groups")).withName("TOKEN_GROUPS");
    static final long TOKEN_GROUPS_GroupCount = TOKEN_GROUPS.byteOffset(groupElement("GroupCount"));
    static final long TOKEN_GROUPS_Groups = TOKEN_GROUPS.byteOffset(groupElement("Groups"));

    /** {@code typedef struct _TOKEN_PRIMARY_GROUP { PSID PrimaryGroup; } TOKEN_PRIMARY_GROUP;} */
    static final StructLayout TOKEN_PRIMARY_GROUP = MemoryLayout.structLayout(
            POINTER.withName("PrimaryGroup")).withName("TOKEN_PRIMARY_GROUP");
    static final long TOKEN_PRIMARY_GROUP_PrimaryGroup =
            TOKEN_PRIMARY_GROUP.byteOffset(groupElement("PrimaryGroup"));

    /** {@code typedef struct _TOKEN_ELEVATION { DWORD TokenIsElevated; } TOKEN_ELEVATION;} */
    static final StructLayout TOKEN_ELEVATION = MemoryLayout.structLayout(
            DWORD.withName("TokenIsElevated")).withName("TOKEN_ELEVATION");
    static final long TOKEN_ELEVATION_TokenIsElevated = TOKEN_ELEVATION.byteOffset(groupElement("TokenIsElevated"));

    private static final class OpenProcessToken {
        static final MethodHandle OpenProcessToken = Native.downcall(DLL, "OpenProcessToken",
                FunctionDescriptor.of(BOOL, POINTER, DWORD, POINTER));
    }
    private static final class OpenThreadToken {
        static final MethodHandle OpenThreadToken = Native.downcall(DLL, "OpenThreadToken",
                FunctionDescriptor.of(BOOL, POINTER, DWORD, BOOL, POINTER));
    }
    private static final class GetTokenInformation {
        static final MethodHandle GetTokenInformation = Native.downcall(DLL, "GetTokenInformation",
                FunctionDescriptor.of(BOOL, POINTER, DWORD, POINTER, DWORD, POINTER));
    }
    private static final class ConvertSidToStringSidW {
        static final MethodHandle ConvertSidToStringSidW = Native.downcall(DLL, "ConvertSidToStringSidW",
                FunctionDescriptor.of(BOOL, POINTER, POINTER));
    }
    private static final class ConvertStringSecurityDescriptorToSecurityDescriptorW {
        static final MethodHandle ConvertStringSecurityDescriptorToSecurityDescriptorW =
                Native.downcall(DLL, "ConvertStringSecurityDescriptorToSecurityDescriptorW",
                        FunctionDescriptor.of(BOOL, POINTER, DWORD, POINTER, POINTER));
    }
    private static final class ImpersonateNamedPipeClient {
        static final MethodHandle ImpersonateNamedPipeClient = Native.downcall(DLL, "ImpersonateNamedPipeClient",
                FunctionDescriptor.of(BOOL, POINTER));
    }
    private static final class RevertToSelf {
        static final MethodHandle RevertToSelf = Native.downcall(DLL, "RevertToSelf", FunctionDescriptor.of(BOOL));
    }
    private static final class LookupAccountNameW {
        static final MethodHandle LookupAccountNameW = Native.downcall(DLL, "LookupAccountNameW",
                FunctionDescriptor.of(BOOL, POINTER, POINTER, POINTER, POINTER, POINTER, POINTER, POINTER));
    }

    /** {@code BOOL OpenProcessToken(HANDLE process, DWORD access, PHANDLE token);} */
    static int OpenProcessToken(MemorySegment err, long process, int access, MemorySegment token) {
        try {
            return (int) OpenProcessToken.OpenProcessToken.invokeExact(err, Native.handle(process), access, token);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code BOOL OpenThreadToken(HANDLE thread, DWORD access, BOOL openAsSelf, PHANDLE token);} */
    static int OpenThreadToken(MemorySegment err, long thread, int access, int openAsSelf, MemorySegment token) {
        try {
            return (int) OpenThreadToken.OpenThreadToken.invokeExact(err, Native.handle(thread), access, openAsSelf,
                    token);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code BOOL GetTokenInformation(HANDLE, TOKEN_INFORMATION_CLASS, LPVOID, DWORD, PDWORD returnLength);} */
    static int GetTokenInformation(MemorySegment err, long token, int infoClass, MemorySegment buf, int size,
            MemorySegment returnLength) {
        try {
            return (int) GetTokenInformation.GetTokenInformation.invokeExact(err, Native.handle(token), infoClass, buf,
                    size, returnLength);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code BOOL ConvertSidToStringSidW(PSID, LPWSTR *out);} ({@code *out} is freed with {@code LocalFree}) */
    static int ConvertSidToStringSidW(MemorySegment err, MemorySegment sid, MemorySegment out) {
        try {
            return (int) ConvertSidToStringSidW.ConvertSidToStringSidW.invokeExact(err, sid, out);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code BOOL ConvertStringSecurityDescriptorToSecurityDescriptorW(LPCWSTR, DWORD revision,
     * PSECURITY_DESCRIPTOR *out, PULONG size);} ({@code *out} is freed with {@code LocalFree}) */
    static int ConvertStringSecurityDescriptorToSecurityDescriptorW(MemorySegment err, MemorySegment sddl,
            int revision, MemorySegment out) {
        try {
            return (int) ConvertStringSecurityDescriptorToSecurityDescriptorW
                    .ConvertStringSecurityDescriptorToSecurityDescriptorW.invokeExact(err, sddl, revision, out,
                            MemorySegment.NULL);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code BOOL ImpersonateNamedPipeClient(HANDLE);} */
    static int ImpersonateNamedPipeClient(MemorySegment err, long pipe) {
        try {
            return (int) ImpersonateNamedPipeClient.ImpersonateNamedPipeClient.invokeExact(err, Native.handle(pipe));
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code BOOL RevertToSelf(void);} */
    static int RevertToSelf(MemorySegment err) {
        try {
            return (int) RevertToSelf.RevertToSelf.invokeExact(err);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code BOOL LookupAccountNameW(LPCWSTR system, LPCWSTR name, PSID sid, LPDWORD sidSize, LPWSTR domain,
     * LPDWORD domainSize, PSID_NAME_USE use);} */
    static int LookupAccountNameW(MemorySegment err, MemorySegment name, MemorySegment sid, MemorySegment sidSize,
            MemorySegment domain, MemorySegment domainSize, MemorySegment use) {
        try {
            return (int) LookupAccountNameW.LookupAccountNameW.invokeExact(err, MemorySegment.NULL, name, sid, sidSize,
                    domain, domainSize, use);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }
}
