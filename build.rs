//! Gives the shared object libzmq's soname so that `libzmq.so.5` can stand in for
//! libzmq wherever a program or a `RTLD_DEEPBIND` loader (PHP) looks for it.
//! Also sets `zmq_draft_api`, always: it marks the draft constants for cbindgen (see
//! `src/constants.rs`) and is never false for rustc.
fn main() {
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libzmq.so.5");
    }
    println!("cargo:rustc-check-cfg=cfg(zmq_draft_api)");
    println!("cargo:rustc-cfg=zmq_draft_api");
    println!("cargo:rerun-if-changed=build.rs");
}
