package dev.gips.macos;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.StructLayout;
import org.junit.jupiter.api.Test;

/**
 * Every struct layout and constant of the bindings against the numbers in the XNU and libc headers, each cited to
 * its header (paths in apple-oss-distributions/xnu unless said otherwise). These cannot be compiled here, so the
 * expected numbers are written out by hand from the headers.
 */
class MachLayoutTest {
    private static void field(StructLayout s, String name, long offset) {
        assertEquals(offset, s.byteOffset(groupElement(name)), s.name().orElse("?") + "." + name);
    }

    @Test
    void machMsgHeaderIs24BytesOfSixU32() {
        // osfmk/mach/message.h: typedef struct { mach_msg_bits_t msgh_bits; mach_msg_size_t msgh_size;
        // mach_port_t msgh_remote_port; mach_port_t msgh_local_port; mach_port_name_t msgh_voucher_port;
        // mach_msg_id_t msgh_id; } mach_msg_header_t;   (all 32-bit in user space)
        assertEquals(24, MachMessage.HEADER.byteSize());
        assertEquals(4, MachMessage.HEADER.byteAlignment());
        field(MachMessage.HEADER, "msgh_bits", 0);
        field(MachMessage.HEADER, "msgh_size", 4);
        field(MachMessage.HEADER, "msgh_remote_port", 8);
        field(MachMessage.HEADER, "msgh_local_port", 12);
        field(MachMessage.HEADER, "msgh_voucher_port", 16);
        field(MachMessage.HEADER, "msgh_id", 20);
        // osfmk/mach/message.h: typedef struct { mach_msg_size_t msgh_descriptor_count; } mach_msg_body_t;
        assertEquals(4, MachMessage.BODY.byteSize());
    }

    @Test
    void portDescriptorIs12BytesWithTypeInTheLastByte() {
        // osfmk/mach/message.h (#pragma pack(4)): mach_port_t name; mach_msg_size_t pad1; unsigned int pad2 : 16;
        // mach_msg_type_name_t disposition : 8; mach_msg_descriptor_type_t type : 8;
        assertEquals(12, MachMessage.PORT_DESCRIPTOR.byteSize());
        assertEquals(4, MachMessage.PORT_DESCRIPTOR.byteAlignment());
        field(MachMessage.PORT_DESCRIPTOR, "name", 0);
        field(MachMessage.PORT_DESCRIPTOR, "pad1", 4);
        field(MachMessage.PORT_DESCRIPTOR, "pad2", 8);
        field(MachMessage.PORT_DESCRIPTOR, "disposition", 10);
        field(MachMessage.PORT_DESCRIPTOR, "type", 11);
        assertEquals(11, MachMessage.DESCRIPTOR_TYPE); // mach_msg_type_descriptor_t: pad1, pad2, pad3:24, type:8
    }

    @Test
    void oolDescriptorsAre16BytesAnd4Aligned() {
        // osfmk/mach/message.h, mach_msg_ool_descriptor64_t under #pragma pack(4): uint64_t address;
        // boolean_t deallocate : 8; mach_msg_copy_options_t copy : 8; unsigned int pad1 : 8;
        // mach_msg_descriptor_type_t type : 8; mach_msg_size_t size;
        assertEquals(16, MachMessage.OOL_DESCRIPTOR.byteSize());
        assertEquals(4, MachMessage.OOL_DESCRIPTOR.byteAlignment());
        assertEquals(4, MachMessage.U64_PACK4.byteAlignment());
        field(MachMessage.OOL_DESCRIPTOR, "address", 0);
        field(MachMessage.OOL_DESCRIPTOR, "deallocate", 8);
        field(MachMessage.OOL_DESCRIPTOR, "copy", 9);
        field(MachMessage.OOL_DESCRIPTOR, "pad1", 10);
        field(MachMessage.OOL_DESCRIPTOR, "type", 11);
        field(MachMessage.OOL_DESCRIPTOR, "size", 12);
        // mach_msg_ool_ports_descriptor64_t: address; deallocate:8; copy:8; disposition:8; type:8; count
        assertEquals(16, MachMessage.OOL_PORTS_DESCRIPTOR.byteSize());
        field(MachMessage.OOL_PORTS_DESCRIPTOR, "disposition", 10);
        field(MachMessage.OOL_PORTS_DESCRIPTOR, "type", 11);
        field(MachMessage.OOL_PORTS_DESCRIPTOR, "count", 12);
        // mach_msg_guarded_port_descriptor64_t: uint64_t context; flags:16; disposition:8; type:8; name
        assertEquals(16, MachMessage.GUARDED_PORT_DESCRIPTOR.byteSize());
        field(MachMessage.GUARDED_PORT_DESCRIPTOR, "context", 0);
        field(MachMessage.GUARDED_PORT_DESCRIPTOR, "flags", 8);
        field(MachMessage.GUARDED_PORT_DESCRIPTOR, "disposition", 10);
        field(MachMessage.GUARDED_PORT_DESCRIPTOR, "type", 11);
        field(MachMessage.GUARDED_PORT_DESCRIPTOR, "name", 12);
    }

    @Test
    void auditTrailerIs52BytesWithTheTokenAt20() {
        // osfmk/mach/message.h: typedef struct { unsigned int val[8]; } audit_token_t;  (32 bytes)
        assertEquals(32, MachMessage.AUDIT_TOKEN.byteSize());
        // typedef struct { unsigned int val[2]; } security_token_t;
        assertEquals(8, MachMessage.SECURITY_TOKEN.byteSize());
        // typedef struct { mach_msg_trailer_type_t msgh_trailer_type; mach_msg_trailer_size_t msgh_trailer_size; }
        // mach_msg_trailer_t;
        assertEquals(8, MachMessage.TRAILER.byteSize());
        // mach_msg_audit_trailer_t: type, size, mach_port_seqno_t msgh_seqno, security_token_t msgh_sender,
        // audit_token_t msgh_audit
        assertEquals(52, MachMessage.AUDIT_TRAILER.byteSize());
        assertEquals(MachMessage.AUDIT_TRAILER_SIZE, MachMessage.AUDIT_TRAILER.byteSize());
        field(MachMessage.AUDIT_TRAILER, "msgh_trailer_type", 0);
        field(MachMessage.AUDIT_TRAILER, "msgh_trailer_size", 4);
        field(MachMessage.AUDIT_TRAILER, "msgh_seqno", 8);
        field(MachMessage.AUDIT_TRAILER, "msgh_sender", 12);
        field(MachMessage.AUDIT_TRAILER, "msgh_audit", 20);
        // #define MAX_TRAILER_SIZE ((mach_msg_size_t)sizeof(mach_msg_max_trailer_t))  = 68 on LP64
        assertEquals(68, MachMessage.MAX_TRAILER_SIZE);
    }

    @Test
    void receiveOptionsAskForTheAuditTrailer() {
        // osfmk/mach/message.h: #define MACH_RCV_TRAILER_TYPE(x) (((x) & 0xf) << 28)
        // #define MACH_RCV_TRAILER_ELEMENTS(x) (((x) & 0xf) << 24); MACH_RCV_TRAILER_AUDIT 3
        assertEquals(0x03000000, MachMessage.rcvTrailerElements(MachMessage.MACH_RCV_TRAILER_AUDIT));
        assertEquals(0, MachMessage.rcvTrailerType(MachMessage.MACH_MSG_TRAILER_FORMAT_0));
        // MACH_RCV_MSG 0x2 | MACH_RCV_LARGE 0x4 | trailer bits; no 0x200 (today's MACH_MSG_STRICT_REPLY)
        assertEquals(0x03000006, Mailbox.RECEIVE_OPTIONS);
        assertEquals(0x1, MachMessage.MACH_SEND_MSG);
        assertEquals(0x10, MachMessage.MACH_SEND_TIMEOUT);
        assertEquals(0x100, MachMessage.MACH_RCV_TIMEOUT);
    }

    @Test
    void messageBitsAndDispositions() {
        // osfmk/mach/message.h: MACH_MSGH_BITS_SET(remote, local, voucher, other); MACH_MSGH_BITS_COMPLEX 0x80000000U
        // COPY_SEND 19, MAKE_SEND 20: gips 0.2.0's client header bits are 0x80001413
        assertEquals(0x80001413, MachMessage.msghBits(MachMessage.MACH_MSG_TYPE_COPY_SEND,
                MachMessage.MACH_MSG_TYPE_MAKE_SEND, 0, MachMessage.MACH_MSGH_BITS_COMPLEX));
        assertEquals(16, MachMessage.MACH_MSG_TYPE_MOVE_RECEIVE);
        assertEquals(17, MachMessage.MACH_MSG_TYPE_PORT_SEND);
        assertEquals(18, MachMessage.MACH_MSG_TYPE_PORT_SEND_ONCE);
        assertEquals(21, MachMessage.MACH_MSG_TYPE_MAKE_SEND_ONCE);
        assertEquals(0, MachMessage.MACH_MSG_PORT_DESCRIPTOR);
        assertEquals(1, MachMessage.MACH_MSG_OOL_DESCRIPTOR);
        assertEquals(2, MachMessage.MACH_MSG_OOL_PORTS_DESCRIPTOR);
        assertEquals(3, MachMessage.MACH_MSG_OOL_VOLATILE_DESCRIPTOR);
        assertEquals(4, MachMessage.MACH_MSG_GUARDED_PORT_DESCRIPTOR);
        assertEquals(1, MachMessage.MACH_MSG_VIRTUAL_COPY);
        // round_msg: (x + 3) & ~3
        assertEquals(8, MachMessage.roundMsg(5));
        assertEquals(8, MachMessage.roundMsg(8));
    }

    @Test
    void returnCodes() {
        // osfmk/mach/message.h
        assertEquals(0x10000003, MachMessage.MACH_SEND_INVALID_DEST);
        assertEquals(0x10000004, MachMessage.MACH_SEND_TIMED_OUT);
        assertEquals(0x1000000d, MachMessage.MACH_SEND_NO_BUFFER);
        assertEquals(0x1000000e, MachMessage.MACH_SEND_TOO_LARGE);
        assertEquals(0x10004003, MachMessage.MACH_RCV_TIMED_OUT);
        assertEquals(0x10004004, MachMessage.MACH_RCV_TOO_LARGE);
        assertEquals(0x10004005, MachMessage.MACH_RCV_INTERRUPTED);
        assertEquals(0x10004009, MachMessage.MACH_RCV_PORT_DIED);
        // the special bits a pseudo-received send failure may carry (MACH_MSG_IPC_SPACE 0x2000 …)
        assertEquals(0x00003e00, MachMessage.MACH_MSG_MASK);
        // osfmk/mach/kern_return.h
        assertEquals(17, KernReturn.KERN_INVALID_RIGHT);
        assertEquals("MACH_SEND_INVALID_DEST (0x10000003)", KernReturn.describe(MachMessage.MACH_SEND_INVALID_DEST));
        // liblaunch bootstrap.h (servers/bootstrap_defs.h)
        assertEquals(1100, Bootstrap.BOOTSTRAP_NOT_PRIVILEGED);
        assertEquals(1102, Bootstrap.BOOTSTRAP_UNKNOWN_SERVICE);
        assertEquals(1103, Bootstrap.BOOTSTRAP_SERVICE_ACTIVE);
        assertEquals(128, Bootstrap.BOOTSTRAP_MAX_NAME_LEN);
        // osfmk/mach/task_special_ports.h
        assertEquals(4, Bootstrap.TASK_BOOTSTRAP_PORT);
    }

    @Test
    void portRightsAndNotifications() {
        // osfmk/mach/port.h: MACH_PORT_RIGHT_SEND 0 … DEAD_NAME 4; MACH_PORT_TYPE(right) = 1 << (right + 16)
        assertEquals(1, MachPort.MACH_PORT_RIGHT_RECEIVE);
        assertEquals(3, MachPort.MACH_PORT_RIGHT_PORT_SET);
        assertEquals(0x10000, MachPort.portType(MachPort.MACH_PORT_RIGHT_SEND));
        assertEquals(0x100000, MachPort.portType(MachPort.MACH_PORT_RIGHT_DEAD_NAME));
        assertEquals(0xFFFFFFFF, MachPort.MACH_PORT_DEAD);
        // osfmk/mach/notify.h: MACH_NOTIFY_FIRST 0100; PORT_DELETED +001; NO_SENDERS +006; SEND_ONCE +007;
        // DEAD_NAME +010
        assertEquals(65, MachPort.MACH_NOTIFY_PORT_DELETED);
        assertEquals(70, MachPort.MACH_NOTIFY_NO_SENDERS);
        assertEquals(71, MachPort.MACH_NOTIFY_SEND_ONCE);
        assertEquals(72, MachPort.MACH_NOTIFY_DEAD_NAME);
        // mach_dead_name_notification_t: mach_msg_header_t; NDR_record_t NDR (8); mach_port_name_t not_port
        assertEquals(32, MachPort.NOTIFY_NOT_PORT);
        // mach_no_senders_notification_t: mach_msg_header_t; NDR_record_t NDR; mach_msg_type_number_t not_count
        assertEquals(32, MachPort.NOTIFY_NOT_COUNT);
    }

    @Test
    void keventAndTimespec() {
        // bsd/sys/event.h: struct kevent { uintptr_t ident; int16_t filter; uint16_t flags; uint32_t fflags;
        // intptr_t data; void *udata; };  (32 bytes on LP64)
        assertEquals(32, SysEvent.KEVENT.byteSize());
        field(SysEvent.KEVENT, "ident", 0);
        field(SysEvent.KEVENT, "filter", 8);
        field(SysEvent.KEVENT, "flags", 10);
        field(SysEvent.KEVENT, "fflags", 12);
        field(SysEvent.KEVENT, "data", 16);
        field(SysEvent.KEVENT, "udata", 24);
        assertEquals(16, SysEvent.TIMESPEC.byteSize());
        // EVFILT_MACHPORT (-8), EVFILT_USER (-10), EV_ADD 0x1, EV_DELETE 0x2, EV_ENABLE 0x4, EV_DISABLE 0x8,
        // EV_CLEAR 0x20, EV_ERROR 0x4000, NOTE_TRIGGER 0x01000000
        assertEquals(-8, SysEvent.EVFILT_MACHPORT);
        assertEquals(-10, SysEvent.EVFILT_USER);
        assertEquals(0x1, SysEvent.EV_ADD);
        assertEquals(0x2, SysEvent.EV_DELETE);
        assertEquals(0x4, SysEvent.EV_ENABLE);
        assertEquals(0x8, SysEvent.EV_DISABLE);
        assertEquals(0x20, SysEvent.EV_CLEAR);
        assertEquals(0x4000, SysEvent.EV_ERROR);
        assertEquals(0x01000000, SysEvent.NOTE_TRIGGER);
    }

    @Test
    void vmAndPosixValuesAreMacOsOnes() {
        // osfmk/mach/vm_statistics.h: VM_FLAGS_ANYWHERE 0x1; vm_prot.h: READ 1, WRITE 2;
        // vm_inherit.h: VM_INHERIT_NONE 2; memory_object_types.h: MAP_MEM_NAMED_CREATE 0x020000
        assertEquals(1, MachVm.VM_FLAGS_ANYWHERE);
        assertEquals(3, MachVm.VM_PROT_DEFAULT);
        assertEquals(2, MachVm.VM_INHERIT_NONE);
        assertEquals(0x020000, MachVm.MAP_MEM_NAMED_CREATE);
        // bsd/sys/fcntl.h (differ from Linux: O_CREAT is 0100 there)
        assertEquals(0x2, Fcntl.O_RDWR);
        assertEquals(0x200, Fcntl.O_CREAT);
        assertEquals(0x800, Fcntl.O_EXCL);
        assertEquals(67, Fcntl.F_DUPFD_CLOEXEC);
        // bsd/sys/mman.h; bsd/sys/posix_shm.h PSHMNAMLEN 31
        assertEquals(1, SysMman.MAP_SHARED);
        assertEquals(31, SysMman.PSHMNAMLEN);
        // bsd/sys/errno.h
        assertEquals(35, Errno.EAGAIN);
        assertEquals(63, Errno.ENAMETOOLONG);
        assertEquals(17, Errno.EEXIST);
    }

    @Test
    void statPasswdAndGroupAreTheDarwinLp64Ones() {
        // bsd/sys/stat.h, struct stat with __DARWIN_STRUCT_STAT64: dev_t (i32) st_dev; mode_t (u16) st_mode;
        // nlink_t (u16) st_nlink; ino_t (u64) st_ino; uid; gid; st_rdev; 4 timespecs; off_t st_size @96;
        // st_blocks; st_blksize; st_flags; st_gen; st_lspare; st_qspare[2]  (144 bytes)
        assertEquals(144, SysStat.STAT.byteSize());
        assertEquals(0, SysStat.ST_DEV);
        assertEquals(8, SysStat.ST_INO);
        assertEquals(96, SysStat.ST_SIZE);
        // Libc include/pwd.h: pw_name, pw_passwd, pw_uid @16, pw_gid, pw_change, pw_class, pw_gecos, pw_dir,
        // pw_shell, pw_expire  (72 bytes)
        assertEquals(72, Pwd.PASSWD.byteSize());
        assertEquals(16, Pwd.PW_UID);
        // include/grp.h: gr_name, gr_passwd, gr_gid @16, gr_mem @24  (32 bytes)
        assertEquals(32, Pwd.GROUP.byteSize());
        assertEquals(16, Pwd.GR_GID);
    }
}
