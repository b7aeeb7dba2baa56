//! The Rust peer of gips for Java's interoperability tests: servers and clients written on the public API of the
//! real gips 0.2.0 (`gips::ipc`, `gips::shm`), driven by command-line arguments, printing one machine-checkable line
//! per event (`tag key=value ...`) on stdout. Errors the tests look for (a refusal, EMSGSIZE, end-of-stream) are
//! printed, never fatal; anything else unexpected ends the process with status 1 and the error on stderr.
//!
//! ```text
//! gips-interop-peer serve NAME MODE [--count N] [--try-accept] [--allow-uid A,B] [--allow-gid A,B] [--privileged]
//!     MODE: echo | fds | shm | oversize=N | lookalike
//! gips-interop-peer client NAME [--rounds R] STEP...
//!     STEP: peer | send=TEXT | send-empty | send-size=N | send-lookalike | recv | echo=N | fds=K
//!           | shm-anon=MAPPED,TOTAL,RESIZE | shm-named=SHM,MAPPED,TOTAL,RESIZE | hold
//! gips-interop-peer shm-create SHM MAPPED TOTAL    (creates a named region, prints it, holds it until killed)
//! ```
//!
//! Payloads of a given size are `pattern(size)`, checked by their length and FNV-1a 64 hash: the Java tests compute
//! both the same way (`RustPeer.pattern`, `RustPeer.fnv`).

use std::ffi::CString;
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::fs::FileExt;
use std::time::Duration;

use gips::ipc::{Endpoint, Listener, Object, Pod, ServiceDescriptor};
use gips::shm::{Shm, Size};

/// gips for Java's out-of-band marker starts with these 8 bytes; a plain gips message may begin with them too.
const MARKER_MAGIC: [u8; 8] = [0, b'g', b'i', b'p', b's', b'-', b'm', b'f'];
/// What the look-alike's descriptor holds: an ordinary (unsealed) memfd, named in the marker's length field.
const LOOKALIKE_FD_CONTENT: &[u8] = b"lookalike-fd";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") if args.len() >= 3 => serve(&args[1], &args[2], &args[3..]),
        Some("client") if args.len() >= 2 => client(&args[1], &args[2..]),
        Some("shm-create") if args.len() == 4 => shm_create(&args[1], number(&args[2]), number(&args[3])),
        _ => Err(io::Error::new(io::ErrorKind::InvalidInput, format!("bad arguments {args:?}; see main.rs"))),
    };
    if let Err(e) = result {
        eprintln!("gips-interop-peer: {e}");
        std::process::exit(1);
    }
}

/// Prints one line and flushes it, so a test waiting for it sees it at once.
fn out(line: String) {
    let mut stdout = io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}

fn number(s: &str) -> usize {
    s.parse().unwrap_or_else(|_| panic!("not a number: {s}"))
}

/// `kind=<io::ErrorKind> os=<errno name>`: what a gips application sees of an error.
fn describe_error(e: &io::Error) -> String {
    let os = match e.raw_os_error() {
        None => "-".to_string(),
        Some(libc::EMSGSIZE) => "EMSGSIZE".to_string(),
        Some(libc::ECONNRESET) => "ECONNRESET".to_string(),
        Some(libc::EPIPE) => "EPIPE".to_string(),
        Some(libc::ECONNREFUSED) => "ECONNREFUSED".to_string(),
        Some(libc::ENOENT) => "ENOENT".to_string(),
        Some(libc::EACCES) => "EACCES".to_string(),
        Some(libc::EADDRINUSE) => "EADDRINUSE".to_string(),
        Some(libc::EAGAIN) => "EAGAIN".to_string(),
        Some(code) => format!("errno{code}"),
    };
    format!("kind={:?} os={os}", e.kind())
}

/// The test payload of `len` bytes; RustPeer.pattern in the Java tests makes the same bytes.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i.wrapping_mul(7) ^ (i >> 8).wrapping_mul(13) ^ len) as u8).collect()
}

/// FNV-1a, 64 bits, as 16 hex digits: enough to tell two payloads apart in a test.
fn fnv(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// `text=<payload>` for a short payload of printable ASCII without spaces, else nothing.
fn text_field(bytes: &[u8]) -> String {
    if !bytes.is_empty() && bytes.len() <= 64 && bytes.iter().all(|b| b.is_ascii_graphic()) {
        format!(" text={}", String::from_utf8_lossy(bytes))
    } else {
        String::new()
    }
}

fn describe_payload(payload: &[u8], fds: usize) -> String {
    format!("len={} fds={fds} fnv={}{}", payload.len(), fnv(payload), text_field(payload))
}

// ----------------------------------------------------------------------------------------- descriptors

/// A new memfd (not sealed) holding `content`.
fn memfd(content: &[u8]) -> io::Result<OwnedFd> {
    let name = CString::new("gips-interop-peer").unwrap();
    let fd = unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    let file = File::from(unsafe { OwnedFd::from_raw_fd(fd) });
    file.write_all_at(content, 0)?;
    Ok(OwnedFd::from(file))
}

/// Everything a descriptor's file holds from offset 0 (up to 4 KiB).
fn read_fd(fd: &OwnedFd) -> io::Result<Vec<u8>> {
    let file = File::from(fd.try_clone()?);
    let mut buf = vec![0u8; 4096];
    let n = file.read_at(&mut buf, 0)?;
    buf.truncate(n);
    Ok(buf)
}

/// Replaces what a descriptor's file holds with `content`.
fn rewrite_fd(fd: &OwnedFd, content: &[u8]) -> io::Result<()> {
    let file = File::from(fd.try_clone()?);
    file.set_len(0)?;
    file.write_all_at(content, 0)
}

fn fds_of(objects: Vec<Object>) -> Vec<OwnedFd> {
    objects.into_iter().map(|Object::Fd(fd)| fd).collect()
}

/// The size of the OS object behind a region, as `fstat` reports it.
fn object_size(shm: &Shm) -> io::Result<u64> {
    let Object::Fd(fd) = Object::try_from(shm)?;
    Ok(File::from(fd).metadata()?.len())
}

fn text_at(shm: &Shm, offset: usize, len: usize) -> String {
    let bytes = shm.read(offset, Some(len));
    if bytes.iter().all(|b| b.is_ascii_graphic()) && !bytes.is_empty() {
        String::from_utf8_lossy(bytes).into_owned()
    } else {
        format!("hex:{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
    }
}

fn describe_shm(shm: &Shm) -> io::Result<String> {
    Ok(format!("capacity={} total={} mapped={} object={}", shm.capacity(), shm.total(), shm.mapped(),
        object_size(shm)?))
}

// ------------------------------------------------------------------------------------------------ server

fn serve(name: &str, mode: &str, options: &[String]) -> io::Result<()> {
    let mut count: Option<usize> = None;
    let mut try_accept = false;
    let mut descriptor = ServiceDescriptor::new(name);
    let mut i = 0;
    while i < options.len() {
        let value = options.get(i + 1).cloned().unwrap_or_default();
        match options[i].as_str() {
            "--count" => count = Some(number(&value)),
            "--try-accept" => {
                try_accept = true;
                i += 1;
                continue;
            }
            "--privileged" => {
                descriptor = descriptor.require_privileged();
                i += 1;
                continue;
            }
            "--allow-uid" => descriptor = descriptor.with_allowed_uid(value.split(',').map(String::from)),
            "--allow-gid" => descriptor = descriptor.with_allowed_group(value.split(',').map(String::from)),
            other => return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("unknown option {other}"))),
        }
        i += 2;
    }
    let mut listener = match Listener::bind(descriptor) {
        Ok(listener) => listener,
        Err(e) => {
            out(format!("bind-error {}", describe_error(&e)));
            return Ok(());
        }
    };
    out(format!("ready path={}", listener.local_path().display()));
    let mut events = 0;
    let mut first = true;
    while count.is_none_or(|c| events < c) {
        let next = if try_accept {
            match listener.try_accept() {
                Ok(Some(pod)) => Ok(pod),
                Ok(None) => {
                    std::thread::sleep(Duration::from_micros(200));
                    continue;
                }
                Err(e) => Err(e),
            }
        } else {
            listener.accept()
        };
        events += 1;
        match next {
            // gips reports a refused client (and any client's failure) as an error of accept()
            Err(e) => out(format!("accept-error {}", describe_error(&e))),
            Ok(pod) => {
                handle(pod, mode, first)?;
                first = false;
            }
        }
    }
    out("done".to_string());
    Ok(())
}

fn handle(pod: Pod, mode: &str, first: bool) -> io::Result<()> {
    let c = pod.credentials().clone();
    let (connection, message) = pod.split();
    out(format!("pod pid={} uid={} gids={} privileged={} {}", c.pid, c.uid, c.gid_list.join(","),
        c.is_privileged, describe_payload(&message.payload, message.objects.len())));
    let reply = |payload: &[u8], objects: &[Object], what: &str| match connection.reply(payload, objects) {
        Ok(()) => out(format!("replied {what}")),
        Err(e) => out(format!("reply-error {what} {}", describe_error(&e))),
    };
    match mode {
        "echo" => reply(&message.payload, &[], &format!("len={}", message.payload.len())),
        "fds" => {
            let fds = fds_of(message.objects);
            let mut used = 0;
            for (i, fd) in fds.iter().enumerate() {
                let content = read_fd(fd)?;
                if content == format!("from-java {i}").as_bytes() {
                    used += 1;
                } else {
                    out(format!("fd-mismatch {i}{}", text_field(&content)));
                }
                rewrite_fd(fd, format!("from-rust {i}").as_bytes())?;
            }
            out(format!("fds-used {used} of {}", fds.len()));
            let mine = (0..fds.len()).map(|i| memfd(format!("reply {i}").as_bytes()).map(Object::Fd))
                .collect::<io::Result<Vec<_>>>()?;
            reply(format!("used-{used}").as_bytes(), &mine, &format!("fds={}", mine.len()));
        }
        "shm" => serve_shm(&message.payload, message.objects, &reply)?,
        "lookalike" if first => {
            let mut payload = MARKER_MAGIC.to_vec();
            payload.extend_from_slice(&(LOOKALIKE_FD_CONTENT.len() as u64).to_le_bytes());
            reply(&payload, &[Object::Fd(memfd(LOOKALIKE_FD_CONTENT)?)], "lookalike");
        }
        "lookalike" => reply(&message.payload, &[], &format!("len={}", message.payload.len())),
        _ if mode.starts_with("oversize=") => {
            let size = number(&mode["oversize=".len()..]);
            reply(&pattern(size), &[], &format!("len={size}"));
            reply(b"after-oversize", &[], "after-oversize");
        }
        _ => return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("unknown mode {mode}"))),
    }
    Ok(())
}

/// `anon RESIZE` with the region's descriptor, or `named SHM RESIZE`: maps the region a Java peer made, reports
/// it, writes into it, grows it, replies `ok` and closes it (which, for a named region, unlinks its name: gips 0.2.0
/// does that whoever created it).
fn serve_shm(payload: &[u8], objects: Vec<Object>, reply: &dyn Fn(&[u8], &[Object], &str)) -> io::Result<()> {
    let request = String::from_utf8_lossy(payload).into_owned();
    let words: Vec<&str> = request.split(' ').collect();
    let (shm, resize) = match words.as_slice() {
        ["anon", resize] => (Shm::try_from(objects.into_iter().next().expect("no descriptor"))?, number(resize)),
        ["named", name, resize] => (Shm::open(*name, 0)?, number(resize)),
        _ => return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("bad shm request {request}"))),
    };
    let head = shm.read(0, Some(256)).to_vec();
    out(format!("shm {} head={}", describe_shm(&shm)?, fnv(&head)));
    shm.write(b"rust@100", 100);
    match shm.resize(resize) {
        Ok(capacity) => out(format!("shm-resized capacity={capacity}")),
        Err(e) => out(format!("shm-resize-error {}", describe_error(&e))),
    }
    let capacity = shm.capacity();
    shm.write(b"rust-tail", capacity - 16);
    out(format!("shm-after {}", describe_shm(&shm)?));
    reply(b"ok", &[], "ok");
    shm.close()?;
    out("shm-closed".to_string());
    Ok(())
}

// ------------------------------------------------------------------------------------------------ client

fn client(name: &str, args: &[String]) -> io::Result<()> {
    let (rounds, steps) = match args {
        [flag, r, rest @ ..] if flag == "--rounds" => (number(r), rest),
        _ => (1, args),
    };
    let mut endpoint = match Endpoint::connect(name) {
        Ok(endpoint) => endpoint,
        Err(e) => {
            out(format!("connect-error {}", describe_error(&e)));
            return Ok(());
        }
    };
    out("connected".to_string());
    for _ in 0..rounds {
        for step in steps {
            run_step(&mut endpoint, step)?;
        }
    }
    out("done".to_string());
    Ok(())
}

fn send(endpoint: &mut Endpoint, payload: &[u8], objects: &[Object]) {
    match endpoint.send(payload, objects) {
        Ok(()) => out(format!("sent len={} fds={}", payload.len(), objects.len())),
        Err(e) => out(format!("send-error len={} {}", payload.len(), describe_error(&e))),
    }
}

fn run_step(endpoint: &mut Endpoint, step: &str) -> io::Result<()> {
    let (verb, arg) = step.split_once('=').unwrap_or((step, ""));
    match verb {
        "peer" => {
            let cred = endpoint.peer_cred()?;
            out(format!("peer pid={} uid={} gid={}", cred.pid().unwrap_or(0), cred.uid(), cred.gid()));
        }
        "send" => send(endpoint, arg.as_bytes(), &[]),
        "send-empty" => send(endpoint, b"", &[]),
        "send-size" => send(endpoint, &pattern(number(arg)), &[]),
        "send-lookalike" => {
            let mut payload = MARKER_MAGIC.to_vec();
            payload.extend_from_slice(&(LOOKALIKE_FD_CONTENT.len() as u64).to_le_bytes());
            send(endpoint, &payload, &[Object::Fd(memfd(LOOKALIKE_FD_CONTENT)?)]);
        }
        "recv" => match endpoint.recv() {
            Ok(message) => {
                out(format!("recv {}", describe_payload(&message.payload, message.objects.len())));
                for (i, fd) in fds_of(message.objects).iter().enumerate() {
                    match read_fd(fd) {
                        Ok(content) => out(format!("recv-fd {i} len={}{}", content.len(), text_field(&content))),
                        Err(e) => out(format!("recv-fd {i} unreadable {}", describe_error(&e))),
                    }
                }
            }
            Err(e) => out(format!("recv-error {}", describe_error(&e))),
        },
        "echo" => {
            let size = number(arg);
            let payload = pattern(size);
            if let Err(e) = endpoint.send(&payload, &[]) {
                out(format!("echo {size} send-error {}", describe_error(&e)));
                return Ok(());
            }
            match endpoint.recv() {
                Ok(m) if m.payload == payload && m.objects.is_empty() => out(format!("echo {size} ok")),
                Ok(m) => out(format!("echo {size} mismatch {}", describe_payload(&m.payload, m.objects.len()))),
                Err(e) => out(format!("echo {size} recv-error {}", describe_error(&e))),
            }
        }
        "fds" => fds_step(endpoint, number(arg))?,
        "shm-anon" | "shm-named" => shm_step(endpoint, verb == "shm-named", arg)?,
        "hold" => {
            out("holding".to_string());
            loop {
                std::thread::sleep(Duration::from_secs(3600));
            }
        }
        _ => return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("unknown step {step}"))),
    }
    Ok(())
}

/// Sends `k` memfds holding `from-rust <i>` with the payload `fds <k>`; the Java server rewrites each to
/// `from-java <i>` and replies `used-<k>` with `k` memfds of its own holding `reply <i>`; checks all of it.
fn fds_step(endpoint: &mut Endpoint, k: usize) -> io::Result<()> {
    let mine = (0..k).map(|i| memfd(format!("from-rust {i}").as_bytes()).map(Object::Fd))
        .collect::<io::Result<Vec<_>>>()?;
    send(endpoint, format!("fds {k}").as_bytes(), &mine);
    let reply = match endpoint.recv() {
        Ok(reply) => reply,
        Err(e) => {
            out(format!("recv-error {}", describe_error(&e)));
            return Ok(());
        }
    };
    let mut used = 0;
    for (i, object) in mine.iter().enumerate() {
        let Object::Fd(fd) = object;
        if read_fd(fd)? == format!("from-java {i}").as_bytes() {
            used += 1;
        }
    }
    let theirs = fds_of(reply.objects);
    let mut readable = 0;
    for (i, fd) in theirs.iter().enumerate() {
        if read_fd(fd)? == format!("reply {i}").as_bytes() {
            readable += 1;
        }
    }
    out(format!("fds-reply{} used-by-java={used} received={} read={readable}", text_field(&reply.payload),
        theirs.len()));
    Ok(())
}

/// `MAPPED,TOTAL,RESIZE` (anonymous) or `SHM,MAPPED,TOTAL,RESIZE` (named): creates a region the gips way, writes
/// `pattern(256)` at 0, sends it (`anon RESIZE` with its descriptor, or `named SHM RESIZE`), and after the Java
/// server's `ok` reports what the server changed: capacity, object size, its writes at 100 and at the end.
fn shm_step(endpoint: &mut Endpoint, named: bool, arg: &str) -> io::Result<()> {
    let parts: Vec<&str> = arg.split(',').collect();
    let (name, numbers) = if named { (Some(parts[0]), &parts[1..]) } else { (None, &parts[..]) };
    let (mapped, total, resize) = (number(numbers[0]), number(numbers[1]), number(numbers[2]));
    let shm = Shm::new(name, Size { mapped, capacity: total })?;
    shm.write(&pattern(256), 0);
    out(format!("shm-created {}", describe_shm(&shm)?));
    match name {
        None => {
            let object = Object::try_from(&shm)?;
            send(endpoint, format!("anon {resize}").as_bytes(), &[object]);
        }
        Some(n) => send(endpoint, format!("named {n} {resize}").as_bytes(), &[]),
    }
    match endpoint.recv() {
        Ok(m) => out(format!("shm-reply{}", text_field(&m.payload))),
        Err(e) => out(format!("recv-error {}", describe_error(&e))),
    }
    shm.remap()?;
    let capacity = shm.capacity();
    out(format!("shm-seen {} at100={} tail={}", describe_shm(&shm)?, text_at(&shm, 100, 8),
        text_at(&shm, capacity - 16, 9)));
    shm.close()?;
    out("shm-closed".to_string());
    Ok(())
}

/// Creates the named region `SHM` as gips does, reports it and keeps it until the process is killed.
fn shm_create(name: &str, mapped: usize, total: usize) -> io::Result<()> {
    let shm = Shm::new(name, Size { mapped, capacity: total })?;
    shm.write(&pattern(256), 0);
    out(format!("shm-created {}", describe_shm(&shm)?));
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}
