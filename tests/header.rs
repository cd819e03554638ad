//! Pins `include/zmq.h`: it is what cbindgen makes of the crate today, it declares only
//! ZeroMQ's names, every macro it shares with libzmq's installed header has libzmq's
//! value, the deprecated aliases and version macros are there, and `zmq_msg_t` has the
//! size and alignment C programs rely on.
//!
//! `ZMQ_BLESS_HEADER=1 cargo test --test header` rewrites the committed header.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const SYSTEM_HEADER: &str = "/usr/include/zmq.h";

/// The errno names zmq.h defines (as fallbacks or as ZeroMQ's own codes).
const ERRNO_NAMES: &[&str] = &[
    "ENOTSUP",
    "EPROTONOSUPPORT",
    "ENOBUFS",
    "ENETDOWN",
    "EADDRINUSE",
    "EADDRNOTAVAIL",
    "ECONNREFUSED",
    "EINPROGRESS",
    "ENOTSOCK",
    "EMSGSIZE",
    "EAFNOSUPPORT",
    "ENETUNREACH",
    "ECONNABORTED",
    "ECONNRESET",
    "ENOTCONN",
    "ETIMEDOUT",
    "EHOSTUNREACH",
    "ENETRESET",
    "EFSM",
    "ENOCOMPATPROTO",
    "ETERM",
    "EMTHREAD",
];

/// Macros that are not values: visibility attributes and feature switches.
const NOT_VALUES: &[&str] = &["ZMQ_EXPORT", "ZMQ_BUILD_DRAFT_API"];

/// Draft macros whose value libzmq changed after the installed (older) release; ours
/// follow 4.3.5. Stable macros never changed, so this list is consulted for drafts only.
const DRAFT_CHANGED_SINCE_4_3_4: &[&str] = &["ZMQ_RECONNECT_STOP_AFTER_DISCONNECT"];

/// We are 4.3.5 whatever release is installed; `deprecated_aliases_and_version_macros_exist`
/// checks these.
const VERSION_MACROS: &[&str] = &["ZMQ_VERSION", "ZMQ_VERSION_PATCH"];

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn committed_header() -> PathBuf {
    crate_dir().join("include/zmq.h")
}

/// A fresh directory for one test's files, under cargo's per-test scratch space.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("header-{name}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create scratch directory");
    dir
}

fn cc() -> String {
    std::env::var("CC").unwrap_or_else(|_| "cc".to_owned())
}

/// Compiles `source` (C11, warnings are errors) with `args`; returns the executable,
/// or panics with the compiler's complaint.
fn compile_c(dir: &Path, stem: &str, source: &str, args: &[&str]) -> PathBuf {
    let src = dir.join(format!("{stem}.c"));
    let exe = dir.join(stem);
    fs::write(&src, source).expect("write C source");
    let out = Command::new(cc())
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(&exe)
        .arg(&src)
        .args(args)
        .output()
        .expect("run the C compiler (set CC if `cc` is not it)");
    assert!(
        out.status.success(),
        "compiling {} failed:\n{}",
        src.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

fn run(exe: &Path) -> String {
    let out = Command::new(exe).output().expect("run compiled program");
    assert!(out.status.success(), "{} failed", exe.display());
    String::from_utf8(out.stdout).expect("program prints UTF-8")
}

/// The object-like `ZMQ_*` and errno macros `header` defines, name to body, as the
/// preprocessor sees them (so conditional sections follow `defines`).
fn macros_of(header: &Path, defines: &[&str]) -> BTreeMap<String, String> {
    let out = Command::new(cc())
        .args(["-dM", "-E", "-x", "c"])
        .args(defines)
        .arg(header)
        .output()
        .expect("run the C preprocessor");
    assert!(
        out.status.success(),
        "preprocessing {} failed:\n{}",
        header.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("preprocessor prints UTF-8");
    let mut macros = BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("#define ") else {
            continue;
        };
        let (name, body) = rest.split_once(' ').unwrap_or((rest, ""));
        let ours = name.starts_with("ZMQ_") || ERRNO_NAMES.contains(&name);
        let object_like = !name.contains('(');
        if ours && object_like && !body.trim().is_empty() && !NOT_VALUES.contains(&name) {
            macros.insert(name.to_owned(), body.trim().to_owned());
        }
    }
    macros
}

/// Compiles a program printing `NAME VALUE` for every macro in `names` against the
/// header at `header` and returns what it printed, name to value.
fn values_of(
    dir: &Path,
    stem: &str,
    header: &Path,
    names: &[&String],
    defines: &[&str],
) -> BTreeMap<String, String> {
    let mut src = format!(
        "#include <stdio.h>\n#include \"{}\"\n\
         static void show_i(const char *n, long long v) {{ printf(\"%s %lld\\n\", n, v); }}\n\
         static void show_s(const char *n, const char *v) {{ printf(\"%s \\\"%s\\\"\\n\", n, v); }}\n\
         #define SHOW(m) _Generic((m), char *: show_s, const char *: show_s, default: show_i)(#m, (m))\n\
         int main(void) {{\n",
        header.display()
    );
    for name in names {
        src.push_str(&format!("    SHOW({name});\n"));
    }
    src.push_str("    return 0;\n}\n");
    let exe = compile_c(dir, stem, &src, defines);
    run(&exe)
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
}

fn generate_header() -> String {
    let dir = crate_dir();
    let config =
        cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("read cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_crate(&dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut bytes = Vec::new();
    bindings.write(&mut bytes);
    String::from_utf8(bytes).expect("header is UTF-8")
}

#[test]
fn committed_header_matches_cbindgen_output() {
    let fresh = generate_header();
    let committed_path = committed_header();
    if std::env::var_os("ZMQ_BLESS_HEADER").is_some() {
        fs::write(&committed_path, &fresh).expect("write include/zmq.h");
        return;
    }
    let committed = fs::read_to_string(&committed_path).unwrap_or_default();
    if committed != fresh {
        let tmp = scratch("regenerated").join("zmq.h");
        fs::write(&tmp, &fresh).expect("write regenerated header");
        panic!(
            "include/zmq.h is stale: it differs from what cbindgen generates now.\n\
             See the difference with\n    diff -u {} {}\n\
             and update it with\n    cbindgen --config cbindgen.toml --output include/zmq.h\n\
             or  ZMQ_BLESS_HEADER=1 cargo test --test header\n",
            committed_path.display(),
            tmp.display()
        );
    }
}

/// No Rust-internal item leaks into the header: every macro, type and function it
/// declares has a ZeroMQ name.
#[test]
fn header_declares_only_zeromq_names() {
    let header = fs::read_to_string(committed_header()).expect("read include/zmq.h");
    let mut strays = Vec::new();
    for line in header.lines() {
        let line = line.trim();
        let declared = if let Some(rest) = line.strip_prefix("#define ") {
            rest.split([' ', '(']).next()
        } else if let Some(rest) = line.strip_prefix("ZMQ_EXPORT ") {
            rest.split('(')
                .next()
                .and_then(|d| d.split([' ', '*']).next_back())
        } else if let Some(rest) = line.strip_prefix("} ") {
            rest.strip_suffix(';')
        } else if let Some(rest) = line.strip_prefix("typedef ") {
            rest.split([' ', '(', ')', ';', '*'])
                .filter(|w| !w.is_empty())
                .find(|w| w.starts_with("zmq_"))
                .or(Some(rest))
        } else {
            None
        };
        let Some(name) = declared.map(str::trim).filter(|n| !n.is_empty()) else {
            continue;
        };
        let ok = name.starts_with("ZMQ_")
            || name.starts_with("zmq_")
            || name == "__ZMQ_H_INCLUDED__"
            || ERRNO_NAMES.contains(&name);
        if !ok {
            strays.push(line.to_owned());
        }
    }
    assert!(
        strays.is_empty(),
        "include/zmq.h declares non-ZeroMQ names (make the Rust item non-`pub`, mark it \
         `/// cbindgen:ignore`, or list it in cbindgen.toml [export] exclude):\n{}",
        strays.join("\n")
    );
}

/// Every `ZMQ_*` and errno macro of libzmq's installed header is in ours with the same
/// value, in the stable API and in the draft API.
#[test]
fn shared_macros_have_libzmq_values() {
    let system = Path::new(SYSTEM_HEADER);
    if !system.exists() {
        eprintln!(
            "SKIPPED shared_macros_have_libzmq_values: {SYSTEM_HEADER} is absent \
             (install libzmq3-dev to compare with libzmq)"
        );
        return;
    }
    let ours = committed_header();
    let dir = scratch("values");
    let mut problems = Vec::new();
    for (label, defines) in [
        ("stable", &[][..]),
        // zmq_ppoll's sigset_t is POSIX: strict ISO C needs it asked for, with libzmq
        // 4.3.5's header as with ours.
        (
            "draft",
            &["-DZMQ_BUILD_DRAFT_API", "-D_POSIX_C_SOURCE=200809L"][..],
        ),
    ] {
        let theirs_macros = macros_of(system, defines);
        let ours_macros = macros_of(&ours, defines);
        for name in theirs_macros.keys() {
            if !ours_macros.contains_key(name) {
                problems.push(format!("{label}: {name} is in libzmq's zmq.h, not in ours"));
            }
        }
        let shared: Vec<&String> = ours_macros
            .keys()
            .filter(|n| theirs_macros.contains_key(*n))
            .collect();
        let theirs_values = values_of(&dir, &format!("{label}-libzmq"), system, &shared, defines);
        let ours_values = values_of(&dir, &format!("{label}-ours"), &ours, &shared, defines);
        for name in &shared {
            let (a, b) = (&theirs_values[*name], &ours_values[*name]);
            let known = label == "draft" && DRAFT_CHANGED_SINCE_4_3_4.contains(&name.as_str());
            if a != b && !known && !VERSION_MACROS.contains(&name.as_str()) {
                problems.push(format!("{label}: {name} is {a} in libzmq, {b} in ours"));
            }
        }
        assert!(
            shared.len() > 100,
            "{label}: only {} shared macros; is the header broken?",
            shared.len()
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The errno values written by hand in cbindgen.toml are the ones the Rust side sets.
#[test]
fn handwritten_errno_values_match_rust() {
    use zmq::ffi::errno::{EFSM, EMTHREAD, ENOCOMPATPROTO, ETERM, ZMQ_HAUSNUMERO};
    let dir = scratch("errno");
    let names: Vec<String> = [
        "ZMQ_HAUSNUMERO",
        "EFSM",
        "ENOCOMPATPROTO",
        "ETERM",
        "EMTHREAD",
    ]
    .map(String::from)
    .to_vec();
    let refs: Vec<&String> = names.iter().collect();
    let values = values_of(&dir, "errno", &committed_header(), &refs, &[]);
    let expected = [ZMQ_HAUSNUMERO, EFSM, ENOCOMPATPROTO, ETERM, EMTHREAD];
    for (name, want) in names.iter().zip(expected) {
        assert_eq!(values[name], want.to_string(), "{name}");
    }
}

/// Old programs still compile: the deprecated aliases and the version macros exist and
/// mean what they meant in libzmq.
#[test]
fn deprecated_aliases_and_version_macros_exist() {
    let dir = scratch("aliases");
    let src = format!(
        "#include \"{}\"\n\
         #if !defined(ZMQ_VERSION) || !defined(ZMQ_MAKE_VERSION)\n#error version macros\n#endif\n\
         #if ZMQ_VERSION != ZMQ_MAKE_VERSION(4, 3, 5) || ZMQ_VERSION < 40300\n#error ZMQ_VERSION\n#endif\n\
         #if !defined(ZMQ_HAVE_TIMERS)\n#error ZMQ_HAVE_TIMERS\n#endif\n\
         _Static_assert(ZMQ_IDENTITY == ZMQ_ROUTING_ID, \"IDENTITY\");\n\
         _Static_assert(ZMQ_CONNECT_RID == ZMQ_CONNECT_ROUTING_ID, \"CONNECT_RID\");\n\
         _Static_assert(ZMQ_XREQ == ZMQ_DEALER, \"XREQ\");\n\
         _Static_assert(ZMQ_XREP == ZMQ_ROUTER, \"XREP\");\n\
         _Static_assert(ZMQ_NOBLOCK == ZMQ_DONTWAIT, \"NOBLOCK\");\n\
         _Static_assert(ZMQ_DELAY_ATTACH_ON_CONNECT == ZMQ_IMMEDIATE, \"DELAY_ATTACH\");\n\
         _Static_assert(ZMQ_FAIL_UNROUTABLE == ZMQ_ROUTER_MANDATORY, \"FAIL_UNROUTABLE\");\n\
         _Static_assert(ZMQ_ROUTER_BEHAVIOR == ZMQ_ROUTER_MANDATORY, \"ROUTER_BEHAVIOR\");\n\
         _Static_assert(ZMQ_STREAMER == 1 && ZMQ_FORWARDER == 2 && ZMQ_QUEUE == 3, \"devices\");\n\
         _Static_assert(ZMQ_IPV4ONLY == 31 && ZMQ_SRCFD == 2, \"deprecated options\");\n\
         _Static_assert(ETERM == ZMQ_HAUSNUMERO + 53 && EFSM == ZMQ_HAUSNUMERO + 51, \"errno\");\n\
         int main(void) {{ return 0; }}\n",
        committed_header().display()
    );
    compile_c(&dir, "aliases", &src, &[]);
}

/// `zmq_msg_t` is 64 bytes aligned to 8 and `zmq_pollitem_t` has libzmq's layout, and
/// the callback typedefs are function types, as C programs written for libzmq assume.
#[test]
fn c_types_have_libzmq_layout() {
    let dir = scratch("layout");
    let src = format!(
        "#include <stddef.h>\n#include \"{}\"\n\
         _Static_assert(sizeof(zmq_msg_t) == 64, \"zmq_msg_t is 64 bytes\");\n\
         _Static_assert(_Alignof(zmq_msg_t) >= 8, \"zmq_msg_t is aligned to 8\");\n\
         _Static_assert(offsetof(zmq_pollitem_t, socket) == 0, \"socket first\");\n\
         _Static_assert(offsetof(zmq_pollitem_t, fd) == sizeof(void *), \"then fd\");\n\
         _Static_assert(sizeof(((zmq_pollitem_t *)0)->events) == sizeof(short), \"short\");\n\
         _Static_assert(sizeof(zmq_pollitem_t) == 16, \"zmq_pollitem_t is 16 bytes\");\n\
         static void release(void *data, void *hint) {{ (void)data; (void)hint; }}\n\
         static void tick(int id, void *arg) {{ (void)id; (void)arg; }}\n\
         static void body(void *arg) {{ (void)arg; }}\n\
         int main(void) {{\n\
             zmq_free_fn *f = release; zmq_timer_fn *t = tick; zmq_thread_fn *b = body;\n\
             struct {{ char c; zmq_msg_t m; }} s;\n\
             return (f == 0) + (t == 0) + (b == 0) + (int)(offsetof(__typeof__(s), m) % 8);\n\
         }}\n",
        committed_header().display()
    );
    let exe = compile_c(&dir, "layout", &src, &[]);
    run(&exe);
}

/// The draft poller and `zmq_ppoll` are declared under `ZMQ_BUILD_DRAFT_API` with
/// libzmq 4.3.5's signatures and `zmq_poller_event_t` has its layout; without the
/// macro none of them is visible.
#[test]
fn draft_poller_is_declared_as_in_libzmq() {
    let dir = scratch("draft-poller");
    let header = committed_header();
    let src = format!(
        "#define _POSIX_C_SOURCE 200809L\n#include <stddef.h>\n#include \"{}\"\n\
         #ifndef ZMQ_HAVE_POLLER\n#error ZMQ_HAVE_POLLER\n#endif\n\
         _Static_assert(offsetof(zmq_poller_event_t, socket) == 0, \"socket\");\n\
         _Static_assert(offsetof(zmq_poller_event_t, fd) == sizeof(void *), \"fd\");\n\
         _Static_assert(offsetof(zmq_poller_event_t, user_data) == 2 * sizeof(void *), \"ud\");\n\
         _Static_assert(offsetof(zmq_poller_event_t, events) == 3 * sizeof(void *), \"ev\");\n\
         _Static_assert(sizeof(zmq_poller_event_t) == 4 * sizeof(void *), \"size\");\n\
         int main(void) {{\n\
             void *(*new_)(void) = zmq_poller_new;\n\
             int (*destroy)(void **) = zmq_poller_destroy;\n\
             int (*size)(void *) = zmq_poller_size;\n\
             int (*add)(void *, void *, void *, short) = zmq_poller_add;\n\
             int (*modify)(void *, void *, short) = zmq_poller_modify;\n\
             int (*remove_)(void *, void *) = zmq_poller_remove;\n\
             int (*wait)(void *, zmq_poller_event_t *, long) = zmq_poller_wait;\n\
             int (*wait_all)(void *, zmq_poller_event_t *, int, long) = zmq_poller_wait_all;\n\
             int (*fd)(void *, zmq_fd_t *) = zmq_poller_fd;\n\
             int (*add_fd)(void *, zmq_fd_t, void *, short) = zmq_poller_add_fd;\n\
             int (*modify_fd)(void *, zmq_fd_t, short) = zmq_poller_modify_fd;\n\
             int (*remove_fd)(void *, zmq_fd_t) = zmq_poller_remove_fd;\n\
             int (*ppoll)(zmq_pollitem_t *, int, long, const sigset_t *) = zmq_ppoll;\n\
             int (*set_ext)(void *, int, const void *, size_t) = zmq_ctx_set_ext;\n\
             int (*get_ext)(void *, int, void *, size_t *) = zmq_ctx_get_ext;\n\
             return !new_ + !destroy + !size + !add + !modify + !remove_ + !wait + !wait_all\n\
                 + !fd + !add_fd + !modify_fd + !remove_fd + !ppoll + !set_ext + !get_ext;\n\
         }}\n",
        header.display()
    );
    // Compiled only (the functions are not linked here): the declarations must match.
    let src_path = dir.join("draft.c");
    fs::write(&src_path, &src).expect("write C source");
    for (defines, must_compile) in [(&["-DZMQ_BUILD_DRAFT_API"][..], true), (&[][..], false)] {
        let out = Command::new(cc())
            .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only"])
            .args(defines)
            .arg(&src_path)
            .output()
            .expect("run the C compiler");
        assert_eq!(
            out.status.success(),
            must_compile,
            "with {defines:?}:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The draft functions besides the poller's, `zmq_ppoll` and the context's (above)
/// are declared under `ZMQ_BUILD_DRAFT_API` with libzmq 4.3.5's signatures: with the
/// test above, all 26; without the macro none of them is visible.
#[test]
fn other_draft_functions_are_declared_as_in_libzmq() {
    let dir = scratch("draft-functions");
    let src = format!(
        "#define _POSIX_C_SOURCE 200809L\n#include <stdint.h>\n#include \"{}\"\n\
         int main(void) {{\n\
             int (*join)(void *, const char *) = zmq_join;\n\
             int (*leave)(void *, const char *) = zmq_leave;\n\
             uint32_t (*connect_peer)(void *, const char *) = zmq_connect_peer;\n\
             int (*set_routing_id)(zmq_msg_t *, uint32_t) = zmq_msg_set_routing_id;\n\
             uint32_t (*routing_id)(zmq_msg_t *) = zmq_msg_routing_id;\n\
             int (*set_group)(zmq_msg_t *, const char *) = zmq_msg_set_group;\n\
             const char *(*group)(zmq_msg_t *) = zmq_msg_group;\n\
             int (*init_buffer)(zmq_msg_t *, const void *, size_t) = zmq_msg_init_buffer;\n\
             int (*peer_state)(void *, const void *, size_t) = zmq_socket_get_peer_state;\n\
             int (*monitor_versioned)(void *, const char *, uint64_t, int, int)\n\
                 = zmq_socket_monitor_versioned;\n\
             int (*pipes_stats)(void *) = zmq_socket_monitor_pipes_stats;\n\
             return !join + !leave + !connect_peer + !set_routing_id + !routing_id\n\
                 + !set_group + !group + !init_buffer + !peer_state + !monitor_versioned\n\
                 + !pipes_stats;\n\
         }}\n",
        committed_header().display()
    );
    let src_path = dir.join("draft.c");
    fs::write(&src_path, &src).expect("write C source");
    for (defines, must_compile) in [(&["-DZMQ_BUILD_DRAFT_API"][..], true), (&[][..], false)] {
        let out = Command::new(cc())
            .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only"])
            .args(defines)
            .arg(&src_path)
            .output()
            .expect("run the C compiler");
        assert_eq!(
            out.status.success(),
            must_compile,
            "with {defines:?}:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The header is usable from C++ (cpp_compat) when a C++ compiler is present.
#[test]
fn header_compiles_as_cpp() {
    let cxx = std::env::var("CXX").unwrap_or_else(|_| "c++".to_owned());
    let dir = scratch("cpp");
    let src = dir.join("use.cpp");
    fs::write(
        &src,
        format!(
            "#include \"{}\"\nint main() {{ zmq_msg_t m; (void)m; return ZMQ_PAIR; }}\n",
            committed_header().display()
        ),
    )
    .expect("write C++ source");
    match Command::new(&cxx)
        .args(["-fsyntax-only", "-Wall", "-Wextra", "-Werror"])
        .arg(&src)
        .output()
    {
        Ok(out) => assert!(
            out.status.success(),
            "include/zmq.h does not compile as C++:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(_) => eprintln!("SKIPPED header_compiles_as_cpp: no C++ compiler ({cxx})"),
    }
}
