package dev.gips.ipc;

import dev.gips.spi.Backends;
import java.io.IOException;
import java.util.List;

/**
 * Who a peer process is, as the kernel vouches for it when it connected.
 *
 * <table>
 *   <caption>Where each field comes from</caption>
 *   <tr><th>OS</th><th>source</th><th>uid / gidList</th><th>isPrivileged</th></tr>
 *   <tr><td>Linux</td><td>{@code SO_PEERCRED} + {@code SO_PEERGROUPS}</td><td>decimal ids</td><td>uid 0</td></tr>
 *   <tr><td>macOS</td><td>audit token of the Mach message</td><td>decimal ids</td><td>euid 0</td></tr>
 *   <tr><td>Windows</td><td>the client's process token</td><td>SID strings</td><td>elevated token</td></tr>
 * </table>
 *
 * @param pid          the peer's process id
 * @param uid          the peer's (effective) user id
 * @param gidList      the primary group first, then the supplementary groups; unmodifiable
 * @param isPrivileged whether the peer runs with administrative rights
 */
public record Credentials(long pid, String uid, List<String> gidList, boolean isPrivileged) {

    /** Copies {@code gidList} into an unmodifiable list. */
    public Credentials {
        if (uid == null) {
            throw new NullPointerException("uid");
        }
        gidList = List.copyOf(gidList);
    }

    /**
     * The credentials of the calling process, as a peer would see them.
     *
     * @throws IOException if the OS cannot tell
     */
    public static Credentials currentProcess() throws IOException {
        return Backends.get().currentProcess();
    }
}
