#!/usr/bin/env bash
# Builds the Rust peer (src/test/rust/peer) against the real gips 0.2.0, offline, as ../shared/vendor/README.md
# says: the vendored gips and socket2 tarballs are unpacked and patched under WORK (the module's target/), crates
# come from Debian's librust-*-dev sources in /usr/share/cargo/registry, and cargo builds in WORK, so nothing is
# written into the source tree. A second run reuses WORK: cargo rebuilds only what changed.
#
#   build.sh VENDOR WORK [CARGO]     prints the binary's path as its last line
#
# RustPeer (the tests' helper) runs this and checks VENDOR and cargo first; run it by hand to build the peer alone:
#   gips-interop/src/test/rust/build.sh ../shared/vendor gips-interop/target/rust
set -euo pipefail

vendor=$(cd "$1" && pwd)
mkdir -p "$2"
work=$(cd "$2" && pwd)
cargo=${3:-$(command -v cargo || echo "$HOME/.cargo/bin/cargo")}
here=$(cd "$(dirname "$0")" && pwd)

gips_tar=$vendor/gips-0.2.0-aa33fb2.tar.gz
socket2_tar=$vendor/socket2-0.6.1.tar.gz
for f in "$gips_tar" "$socket2_tar" "$vendor/gips-0.2.0-Cargo.toml.diff" "$vendor/socket2-0.6.1-Cargo.toml.diff"; do
  [ -f "$f" ] || { echo "build.sh: $f is missing" >&2; exit 2; }
done

# 1. gips and socket2, unpacked and patched once per version of the vendored files
stamp=$(cat "$gips_tar" "$socket2_tar" "$vendor"/*-Cargo.toml.diff | sha256sum | cut -d' ' -f1)
if [ "$(cat "$work/vendor.sha256" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$work/gips" "$work/socket2" "$work/unpack"
  mkdir -p "$work/unpack"
  tar -xzf "$gips_tar" -C "$work/unpack"
  tar -xzf "$socket2_tar" -C "$work/unpack"
  mv "$work/unpack/gips-0.2.0" "$work/gips"
  mv "$work/unpack/socket2-0.6.1" "$work/socket2"   # gips' patched Cargo.toml finds it as ../socket2
  rmdir "$work/unpack"
  (cd "$work/gips" && patch -p1 -s < "$vendor/gips-0.2.0-Cargo.toml.diff")
  (cd "$work/socket2" && patch -p1 -s < "$vendor/socket2-0.6.1-Cargo.toml.diff")
  echo "$stamp" > "$work/vendor.sha256"
fi

# 2. crates.io replaced by Debian's crate sources; cargo reads this config for any build under WORK
mkdir -p "$work/.cargo"
cat > "$work/.cargo/config.toml" <<'EOF'
[source.crates-io]
replace-with = "debian"
[source.debian]
directory = "/usr/share/cargo/registry"
[net]
offline = true
EOF

# 3. the peer crate, copied with its timestamps (cargo then sees unchanged sources as unchanged), and built
mkdir -p "$work/peer/src"
cp -p "$here/peer/Cargo.toml" "$work/peer/Cargo.toml"
cp -p "$here/peer/src/main.rs" "$work/peer/src/main.rs"
(cd "$work/peer" && "$cargo" build --release --offline --quiet)
echo "$work/peer/target/release/gips-interop-peer"
