package dev.gips.examples.quickstart;

import dev.gips.ipc.Credentials;
import dev.gips.ipc.Listener;
import dev.gips.ipc.PermissionDeniedException;
import dev.gips.ipc.Pod;
import dev.gips.ipc.ServiceDescriptor;
import java.io.IOException;

/** README, "Security": a policy on the service, and the credentials of each client. */
final class Security {
    private Security() {}

    // tag::policy[]
    static Listener bindForMyUser(String name) throws IOException {
        String me = Credentials.currentProcess().uid();
        ServiceDescriptor descriptor = new ServiceDescriptor(name)
                .withAllowedUid(me, "root")                         // numeric ids or names
                .withCredentialValidator(credentials -> {           // a rule of your own, checked last
                    if (ProcessHandle.of(credentials.pid()).isEmpty()) {
                        throw new PermissionDeniedException("pid " + credentials.pid() + " has exited");
                    }
                });
        return Listener.bind(descriptor);
    }
    // end::policy[]

    static void inspect(Listener listener) throws IOException {
        // tag::credentials[]
        Pod pod = listener.accept();
        Credentials credentials = pod.credentials();                // taken from the kernel when the client connected
        System.out.println("Connected process:");
        System.out.println("  PID: " + credentials.pid());
        System.out.println("  UID: " + credentials.uid());
        System.out.println("  Groups: " + credentials.gidList());
        System.out.println("  Privileged: " + credentials.isPrivileged());
        // end::credentials[]
        pod.message().close();
    }
}
