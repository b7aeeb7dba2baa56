package dev.gips.ipc;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Name checks, delegation of every with… to the policy, immutability. */
class ServiceDescriptorTest {

    private static final Credentials ALICE = new Credentials(77, "1000", List.of("1000", "27"), false);
    private static final Credentials BOB = new Credentials(78, "1001", List.of("1001"), false);
    private static final Credentials ROOT = new Credentials(1, "0", List.of("0"), true);

    @Test
    void nameIsKeptAsGivenWithTheUnrestrictedPolicy() {
        ServiceDescriptor d = new ServiceDescriptor("com.example.echo");
        assertEquals("com.example.echo", d.name());
        assertTrue(d.policy().isUnrestricted());
        assertEquals("@name", new ServiceDescriptor("@name").name());
        assertEquals("\0abstract", new ServiceDescriptor("\0abstract").name()); // Linux's abstract-socket spelling
        assertEquals("/run/x.sock", new ServiceDescriptor("/run/x.sock").name());
    }

    @Test
    void theSharedMemoryChannelIsOnUnlessTurnedOffAndEveryOtherSettingKeepsIt() {
        ServiceDescriptor d = new ServiceDescriptor("com.example.echo");
        assertTrue(d.sharedMemoryChannel());
        ServiceDescriptor off = d.withSharedMemoryChannel(false);
        assertFalse(off.sharedMemoryChannel());
        assertFalse(off.withAllowedUid("0").sharedMemoryChannel(), "a policy change keeps the setting");
        assertTrue(off.withSharedMemoryChannel(true).sharedMemoryChannel());
    }

    @Test
    void emptyNameIsRefusedSayingWhy() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ServiceDescriptor(""));
        assertTrue(e.getMessage().contains("must not be empty"), e.getMessage());
    }

    @Test
    void nameWithNulIsRefusedSayingWhereAndWhy() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ServiceDescriptor("com.example\0evil"));
        assertTrue(e.getMessage().contains("NUL"), e.getMessage());
        assertTrue(e.getMessage().contains("index 11"), e.getMessage());
        assertFalse(e.getMessage().contains("\0"), "the message must show the NUL escaped: " + e.getMessage());
        IllegalArgumentException alone = assertThrows(IllegalArgumentException.class,
                () -> new ServiceDescriptor("\0"));
        assertTrue(alone.getMessage().contains("empty"), alone.getMessage());
        IllegalArgumentException second = assertThrows(IllegalArgumentException.class,
                () -> new ServiceDescriptor("\0a\0b"));
        assertTrue(second.getMessage().contains("index 2"), second.getMessage());
    }

    @Test
    void nullNameIsRefused() {
        assertThrows(NullPointerException.class, () -> new ServiceDescriptor(null));
    }

    @Test
    void withAllowedUidDelegatesToThePolicy() {
        ServiceDescriptor d = new ServiceDescriptor("svc").withAllowedUid("1000");
        assertDoesNotThrow(() -> d.policy().check(ALICE));
        assertThrows(PermissionDeniedException.class, () -> d.policy().check(BOB));
        ServiceDescriptor both = d.withAllowedUid("1001");
        assertDoesNotThrow(() -> both.policy().check(BOB));
        assertThrows(IllegalArgumentException.class, () -> d.withAllowedUid());
    }

    @Test
    void withAllowedGroupDelegatesToThePolicy() {
        ServiceDescriptor d = new ServiceDescriptor("svc").withAllowedGroup("27");
        assertDoesNotThrow(() -> d.policy().check(ALICE));
        assertThrows(PermissionDeniedException.class, () -> d.policy().check(BOB));
        assertThrows(IllegalArgumentException.class, () -> d.withAllowedGroup(""));
    }

    @Test
    void withCredentialValidatorDelegatesToThePolicy() {
        List<Long> seen = new ArrayList<>();
        ServiceDescriptor d = new ServiceDescriptor("svc").withCredentialValidator(c -> {
            seen.add(c.pid());
            if (!c.uid().equals("1000")) {
                throw new IOException("only alice");
            }
        });
        assertDoesNotThrow(() -> d.policy().check(ALICE));
        assertThrows(PermissionDeniedException.class, () -> d.policy().check(BOB));
        assertEquals(List.of(77L, 78L), seen);
        assertThrows(NullPointerException.class, () -> d.withCredentialValidator(null));
    }

    @Test
    void requirePrivilegedDelegatesToThePolicy() {
        ServiceDescriptor d = new ServiceDescriptor("svc").requirePrivileged();
        assertDoesNotThrow(() -> d.policy().check(ROOT));
        assertThrows(PermissionDeniedException.class, () -> d.policy().check(ALICE));
    }

    @Test
    void withPolicyReplacesThePolicy() {
        Policy p = Policy.privilegedOnly();
        ServiceDescriptor d = new ServiceDescriptor("svc").withAllowedUid("1000").withPolicy(p);
        assertSame(p, d.policy());
        assertEquals("svc", d.name());
        assertThrows(NullPointerException.class, () -> d.withPolicy(null));
    }

    @Test
    void withMethodsReturnNewDescriptorsAndLeaveTheOldOneUnchanged() {
        ServiceDescriptor base = new ServiceDescriptor("svc");
        Policy before = base.policy();
        List<ServiceDescriptor> derived = List.of(base.withAllowedUid("1"), base.withAllowedGroup("1"),
                base.withCredentialValidator(c -> { }), base.requirePrivileged(), base.withPolicy(new Policy()));
        for (ServiceDescriptor d : derived) {
            assertNotSame(base, d);
            assertEquals("svc", d.name());
        }
        assertSame(before, base.policy());
        assertTrue(base.policy().isUnrestricted());
        assertDoesNotThrow(() -> base.policy().check(BOB));
    }
}
