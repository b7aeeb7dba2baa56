package dev.gips.ipc;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Policy rules, order, argument checks and immutability; numeric ids only (names need a backend: IdentityTest). */
class PolicyTest {

    private static Credentials user(String uid, String... gids) {
        return new Credentials(4242, uid, List.of(gids), false);
    }

    private static final Credentials ROOT = new Credentials(1, "0", List.of("0"), true);
    private static final Credentials ALICE = user("1000", "1000", "27", "100");

    private static PermissionDeniedException refused(Policy policy, Credentials c) {
        return assertThrows(PermissionDeniedException.class, () -> policy.check(c), policy + " must refuse " + c);
    }

    private static void admitted(Policy policy, Credentials c) {
        assertDoesNotThrow(() -> policy.check(c), policy + " must admit " + c);
    }

    @Test
    void unrestrictedPolicyAdmitsEveryone() {
        Policy p = new Policy();
        assertTrue(p.isUnrestricted());
        admitted(p, ALICE);
        admitted(p, ROOT);
        admitted(p, user("65534"));
    }

    @Test
    void everyWithMakesThePolicyRestricted() {
        Policy p = new Policy();
        assertFalse(p.withAllowedUid("0").isUnrestricted());
        assertFalse(p.withAllowedGid("0").isUnrestricted());
        assertFalse(p.withCredentialValidator(c -> { }).isUnrestricted());
        assertFalse(p.requirePrivileged().isUnrestricted());
        assertFalse(Policy.privilegedOnly().isUnrestricted());
    }

    @Test
    void privilegedOnlyAdmitsOnlyPrivilegedClients() {
        Policy p = Policy.privilegedOnly();
        admitted(p, ROOT);
        PermissionDeniedException e = refused(p, ALICE);
        assertTrue(e.getMessage().contains("not privileged"), e.getMessage());
        // isPrivileged is what counts, not the uid
        refused(p, new Credentials(7, "0", List.of("0"), false));
        admitted(p, new Credentials(7, "1000", List.of("1000"), true));
    }

    @Test
    void numericUidsMatchWithoutABackend() {
        Policy p = new Policy().withAllowedUid("1000", "0");
        admitted(p, ALICE);
        admitted(p, ROOT);
        PermissionDeniedException e = refused(p, user("1001", "1000"));
        assertTrue(e.getMessage().contains("uid"), e.getMessage());
    }

    /** Issue 16, item 8: ids were compared as text, so {@code "0000"} refused root. */
    @Test
    void numericIdsAreComparedAsNumbers() {
        admitted(new Policy().withAllowedUid("0000"), ROOT);
        admitted(new Policy().withAllowedUid("01000"), ALICE);
        admitted(new Policy().withAllowedGid("0027"), ALICE);          // a supplementary group
        admitted(new Policy().withAllowedGid("000"), ROOT);
        refused(new Policy().withAllowedUid("0001000"), user("100"));   // zeros lead, they do not trail
        refused(new Policy().withAllowedUid("00"), ALICE);
        // the credentials' side too, should an application build its own
        admitted(new Policy().withAllowedUid("1000").withAllowedGid("27"), user("001000", "0027"));
        // 2^32 - 1 is the largest id; anything larger is not an id (a name, which resolves to nobody here)
        admitted(new Policy().withAllowedUid("004294967295"), user("4294967295"));
    }

    /** Ids in the form each OS writes them: digits on Unix; on Windows SIDs, where digits are an account name. */
    @Test
    void canonicalIdsFollowTheBackendsIdForm() {
        assertEquals("0", Policy.canonicalId("0000", true));
        assertEquals("1000", Policy.canonicalId("1000", true));
        assertEquals("4294967295", Policy.canonicalId("04294967295", true));
        assertEquals(null, Policy.canonicalId("4294967296", true));
        assertEquals(null, Policy.canonicalId("root", true));
        assertEquals(null, Policy.canonicalId("-1", true));
        assertEquals(null, Policy.canonicalId("S-1-5-18", true));     // a name on Unix, resolved (to nobody)
        // Windows: SIDs compare component by component; the form ConvertSidToStringSidW writes is unchanged
        assertEquals("S-1-5-18", Policy.canonicalId("S-1-5-18", false));
        assertEquals("S-1-5-18", Policy.canonicalId("s-1-5-018", false));
        assertEquals("S-1-5-21-3623811015-3361044348-30300820-1013",
                Policy.canonicalId("S-1-5-21-3623811015-3361044348-30300820-1013", false));
        assertEquals("S-1-0-0", Policy.canonicalId("S-1-0-00", false));
        assertEquals(null, Policy.canonicalId("1000", false));         // no numeric ids: an account name
        assertEquals(null, Policy.canonicalId("0000", false));
        assertEquals(null, Policy.canonicalId("S-1-0x5-18", false));   // hexadecimal authority: compared as given
        assertEquals(null, Policy.canonicalId("S-1-5-", false));
        assertEquals(null, Policy.canonicalId("S-", false));
        assertEquals(null, Policy.canonicalId("Staff", false));
    }

    @Test
    void withAllowedUidTwiceIsAUnion() {
        Policy p = new Policy().withAllowedUid("1").withAllowedUid("2");
        admitted(p, user("1"));
        admitted(p, user("2"));
        refused(p, user("3"));
    }

    @Test
    void withAllowedGidTwiceIsAUnion() {
        Policy p = new Policy().withAllowedGid("10").withAllowedGid("20");
        admitted(p, user("5", "10"));
        admitted(p, user("5", "20"));
        refused(p, user("5", "30"));
    }

    @Test
    void groupRulesMatchPrimaryOrSupplementaryGroups() {
        // ALICE: primary 1000, supplementary 27 and 100
        admitted(new Policy().withAllowedGid("1000"), ALICE);
        admitted(new Policy().withAllowedGid("27"), ALICE);
        admitted(new Policy().withAllowedGid("100"), ALICE);
        admitted(new Policy().withAllowedGid("5", "100"), ALICE);
        PermissionDeniedException e = refused(new Policy().withAllowedGid("4", "5"), ALICE);
        assertTrue(e.getMessage().contains("group"), e.getMessage());
        refused(new Policy().withAllowedGid("1000"), user("1000")); // no groups at all
    }

    @Test
    void surroundingBlanksAreStripped() {
        admitted(new Policy().withAllowedUid(" 1000 "), ALICE);
        admitted(new Policy().withAllowedGid("\t27\n"), ALICE);
    }

    @Test
    void aNameThatCannotBeResolvedMatchesNobody() {
        // gips-core's tests have no backend: the name cannot be resolved, so it admits nobody rather than everyone
        refused(new Policy().withAllowedUid("no-such-user-gips"), ALICE);
        refused(new Policy().withAllowedGid("no-such-group-gips"), ALICE);
        // numeric entries beside it still match
        admitted(new Policy().withAllowedUid("no-such-user-gips", "1000"), ALICE);
    }

    @Test
    void allRulesMustPass() {
        List<String> ran = new ArrayList<>();
        Policy p = new Policy().requirePrivileged().withAllowedUid("0").withAllowedGid("0")
                .withCredentialValidator(c -> ran.add("validator"));
        admitted(p, ROOT);
        assertEquals(List.of("validator"), ran);

        refused(p, new Credentials(1, "0", List.of("0"), false));              // not privileged
        refused(p, new Credentials(1, "1", List.of("0"), true));               // uid
        refused(p, new Credentials(1, "0", List.of("1"), true));               // group
        refused(p.withCredentialValidator(c -> { throw new IOException("no"); }), ROOT);  // validator
    }

    @Test
    void rulesApplyInOrderPrivilegedUidGroupValidator() {
        List<String> ran = new ArrayList<>();
        Policy p = new Policy().withCredentialValidator(c -> ran.add("validator")).withAllowedGid("0")
                .withAllowedUid("0").requirePrivileged();
        // breaks every rule: the privilege rule speaks first
        PermissionDeniedException e = refused(p, user("5", "5"));
        assertTrue(e.getMessage().contains("not privileged"), e.getMessage());
        // privileged, but wrong uid and group: the uid rule speaks
        e = refused(p, new Credentials(9, "5", List.of("5"), true));
        assertTrue(e.getMessage().contains("uid is not one of"), e.getMessage());
        // right uid, wrong group: the group rule speaks
        e = refused(p, new Credentials(9, "0", List.of("5"), true));
        assertTrue(e.getMessage().contains("no group is one of"), e.getMessage());
        // the validator runs only after all the others passed
        assertEquals(List.of(), ran);
        admitted(p, ROOT);
        assertEquals(List.of("validator"), ran);
    }

    @Test
    void emptyBlankOrNullArgumentsAreRefused() {
        Policy p = new Policy();
        Map<String, Executable> bad = new LinkedHashMap<>();
        bad.put("withAllowedUid()", () -> p.withAllowedUid());
        bad.put("withAllowedUid(\"\")", () -> p.withAllowedUid(""));
        bad.put("withAllowedUid(\"   \")", () -> p.withAllowedUid("   "));
        bad.put("withAllowedUid(\"0\", null)", () -> p.withAllowedUid("0", null));
        bad.put("withAllowedUid((String) null)", () -> p.withAllowedUid((String) null));
        bad.put("withAllowedGid()", () -> p.withAllowedGid());
        bad.put("withAllowedGid(\"\")", () -> p.withAllowedGid(""));
        bad.put("withAllowedGid(\"\\t\")", () -> p.withAllowedGid("\t"));
        bad.put("withAllowedGid(\"0\", null)", () -> p.withAllowedGid("0", null));
        bad.put("withAllowedGid((String) null)", () -> p.withAllowedGid((String) null));
        List<Executable> checks = new ArrayList<>();
        bad.forEach((call, e) -> checks.add(() -> assertThrows(IllegalArgumentException.class, e, call)));
        // a null array is a programming error like any null reference: NullPointerException, as in the JDK
        checks.add(() -> assertThrows(NullPointerException.class, () -> p.withAllowedUid((String[]) null)));
        checks.add(() -> assertThrows(NullPointerException.class, () -> p.withAllowedGid((String[]) null)));
        checks.add(() -> assertThrows(NullPointerException.class, () -> p.withCredentialValidator(null)));
        checks.add(() -> assertThrows(NullPointerException.class, () -> p.check(null)));
        assertAll("argument checks", checks);
        assertTrue(p.isUnrestricted(), "a refused argument must not change the policy");
    }

    @Test
    void emptyArgumentMessageSaysWhy() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Policy().withAllowedUid());
        assertTrue(e.getMessage().contains("at least one uid"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Policy().withAllowedGid(" "));
        assertTrue(e.getMessage().contains("must not be null or blank"), e.getMessage());
    }

    @Test
    void validatorIOExceptionBecomesPermissionDenied() {
        IOException cause = new IOException("not on the list");
        PermissionDeniedException e = refused(new Policy().withCredentialValidator(c -> { throw cause; }), ALICE);
        assertSame(cause, e.getCause());
        assertNamesClient(e);
    }

    @Test
    void validatorRuntimeExceptionBecomesPermissionDenied() {
        RuntimeException cause = new IllegalStateException("validator bug");
        PermissionDeniedException e = refused(new Policy().withCredentialValidator(c -> { throw cause; }), ALICE);
        assertSame(cause, e.getCause());
        assertNamesClient(e);
    }

    @Test
    void validatorPermissionDeniedExceptionIsWrappedToNameTheClient() {
        PermissionDeniedException own = new PermissionDeniedException("on the deny list");
        PermissionDeniedException e = refused(new Policy().withCredentialValidator(c -> { throw own; }), ALICE);
        assertSame(own, e.getCause());
        assertTrue(e.getMessage().contains("on the deny list"), e.getMessage());
        assertNamesClient(e);
    }

    @Test
    void ruleRefusalsNameTheClient() {
        assertNamesClient(refused(new Policy().withAllowedUid("1"), ALICE));
        assertNamesClient(refused(new Policy().withAllowedGid("1"), ALICE));
        assertNamesClient(refused(Policy.privilegedOnly(), ALICE));
    }

    private static void assertNamesClient(PermissionDeniedException e) {
        assertTrue(e.getMessage().contains("pid 4242"), e.getMessage());
        assertTrue(e.getMessage().contains("uid 1000"), e.getMessage());
    }

    @Test
    void combinedValidatorsRunInOrderAndAllMustPass() {
        List<String> ran = new ArrayList<>();
        Policy p = new Policy().withCredentialValidator(c -> ran.add("first"))
                .withCredentialValidator(c -> ran.add("second"));
        admitted(p, ALICE);
        assertEquals(List.of("first", "second"), ran);

        ran.clear();
        IOException no = new IOException("first says no");
        Policy firstRefuses = new Policy().withCredentialValidator(c -> { ran.add("first"); throw no; })
                .withCredentialValidator(c -> ran.add("second"));
        assertSame(no, refused(firstRefuses, ALICE).getCause());
        assertEquals(List.of("first"), ran, "the second validator must not run after the first refused");

        ran.clear();
        Policy secondRefuses = new Policy().withCredentialValidator(c -> ran.add("first"))
                .withCredentialValidator(c -> { ran.add("second"); throw new IOException("second says no"); });
        refused(secondRefuses, ALICE);
        assertEquals(List.of("first", "second"), ran);
    }

    @Test
    void withMethodsReturnNewPoliciesAndLeaveTheOldOneUnchanged() {
        Policy base = new Policy();
        Policy uid = base.withAllowedUid("1");
        Policy gid = base.withAllowedGid("1");
        Policy validator = base.withCredentialValidator(c -> { throw new IOException("no"); });
        Policy privileged = base.requirePrivileged();
        for (Policy derived : List.of(uid, gid, validator, privileged)) {
            assertNotSame(base, derived);
        }
        assertTrue(base.isUnrestricted());
        admitted(base, ALICE);

        // a derived policy is itself unchanged by further derivation
        Policy wider = uid.withAllowedUid("1000");
        refused(uid, ALICE);
        admitted(wider, ALICE);
        Policy narrower = wider.withAllowedGid("5");
        admitted(wider, ALICE);
        refused(narrower, ALICE);
        Policy privilegedToo = wider.requirePrivileged();
        admitted(wider, ALICE);
        refused(privilegedToo, ALICE);
        assertEquals("Policy[uids=[1, 1000]]", wider.toString());
    }

    @Test
    void changingTheArgumentArrayLaterDoesNotChangeThePolicy() {
        String[] uids = {"1000"};
        Policy p = new Policy().withAllowedUid(uids);
        uids[0] = "1";
        admitted(p, ALICE);
        refused(p, user("1"));
    }
}
