//! Gives the shared object libzmq's soname so that `libzmq.so.5` can stand in for
//! libzmq wherever a program or a `RTLD_DEEPBIND` loader (PHP) looks for it, and links
//! libsodium (CURVE's cryptography, as in libzmq).
//! Also sets `zmq_draft_api`, always: it marks the draft constants for cbindgen (see
//! `src/constants.rs`) and is never false for rustc.
fn main() {
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libzmq.so.5");
    }
    link_libsodium();
    println!("cargo:rustc-check-cfg=cfg(zmq_draft_api)");
    println!("cargo:rustc-cfg=zmq_draft_api");
    println!("cargo:rerun-if-changed=build.rs");
}

/// Links libsodium, found by pkg-config when it is there (else the default search path).
fn link_libsodium() {
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    let probe = std::process::Command::new("pkg-config")
        .args(["--libs-only-L", "libsodium"])
        .output();
    match probe {
        Ok(out) if out.status.success() => {
            for flag in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                if let Some(dir) = flag.strip_prefix("-L") {
                    println!("cargo:rustc-link-search=native={dir}");
                }
            }
        }
        Ok(_) => println!(
            "cargo:warning=pkg-config does not know libsodium: install libsodium-dev \
             (Debian) or libsodium's development files"
        ),
        Err(_) => {}
    }
    println!("cargo:rustc-link-lib=dylib=sodium");
}
