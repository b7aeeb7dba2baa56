package dev.gips.linux;

import dev.gips.tck.BoundedWaitContract;
import dev.gips.tck.ConcurrentAcceptContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The kit's concurrent-accept and flood cases ({@link ConcurrentAcceptContract}, {@link BoundedWaitContract}) with
 * plain SOCK_SEQPACKET clients (Python stdlib: {@code crowd_client.py}, {@code flood.py}), which a listener serves
 * without the gips-java hello and with SO_PASSCRED, and which start in milliseconds; refused ones run as user nobody.
 */
@ExtendWith(LeakCheck.class)
class PlainPeerLoadTest {
    private static ProcessBuilder crowd(String name, String tag, String expect) {
        return Peers.python("crowd_client.py", "/tmp/" + name,
                Integer.toString(ConcurrentAcceptContract.CLIENTS_PER_PROCESS),
                Integer.toString(ConcurrentAcceptContract.MESSAGES), tag, expect);
    }

    @ParameterizedTest(name = "{0} accepting threads, virtual {1}, 2 ms validator {2}")
    @MethodSource("dev.gips.tck.ConcurrentAcceptContract#configurations")
    void everyMessageOfEveryAllowedPlainClientIsDeliveredExactlyOnce(int threads, boolean virtual,
            boolean slowValidator) throws Exception {
        ConcurrentAcceptContract.serveCrowds(threads, virtual, slowValidator, PlainPeerLoadTest::crowd, null);
    }

    @Test
    void refusedPlainClientsGetNothingThroughWhileAllowedOnesAreServedBySixteenThreads() throws Exception {
        Peers.assumeRoot("runs refused clients as user nobody");
        ConcurrentAcceptContract.serveCrowds(16, true, true, PlainPeerLoadTest::crowd,
                (name, tag, expect) -> Peers.asNobody(crowd(name, tag, expect)));
    }

    @Test
    void callsReturnInTimeDuringAConnectHangUpFloodOfPlainClients() throws Exception {
        BoundedWaitContract.floodAndAssertBounded((name, mode) -> Peers.python("flood.py", "/tmp/" + name, mode),
                false);
    }

    @Test
    void callsReturnInTimeDuringAFloodOfPlainClientsOfARefusedUser() throws Exception {
        Peers.assumeRoot("floods as user nobody");
        BoundedWaitContract.floodAndAssertBounded(
                (name, mode) -> Peers.asNobody(Peers.python("flood.py", "/tmp/" + name, mode)), true);
    }
}
