//! C API test layer (DESIGN §8, layer 3).
//!
//! Every `c-tests/test_*.c` is a standalone C program whose `main` returns 0 when all of
//! its checks hold. This harness compiles each one and runs it:
//!
//! * default mode: against OUR header (`include/zmq.h`) and OUR `libzmq.so` from the
//!   cargo target dir (next to this test executable), loaded through an rpath plus
//!   `LD_LIBRARY_PATH` pointing at a private directory where `libzmq.so.5` is a symlink
//!   to our build — so the system libzmq can never be picked up by accident;
//! * `ZMQ_C_TESTS_SYSTEM=1`: against `/usr/include/zmq.h` and the system `-lzmq`, which
//!   proves that the tests encode the behaviour of real libzmq.
//!
//! Usage mirrors libtest: `cargo test --test c_api -- [FILTER...]` runs the tests whose
//! name contains any FILTER (`--exact` makes the match exact, `--list` only lists).
//! * `ZMQ_C_TESTS_LIBDIR=<dir>` (and `ZMQ_C_TESTS_INCDIR=<dir>` for its `zmq.h`, by
//!   default `<dir>/../include` when it has one): against another libzmq build, e.g. the
//!   one `scripts/draft-libzmq.sh` makes with `-DENABLE_DRAFTS=ON` (Debian's is built
//!   without drafts): `ZMQ_C_TESTS_LIBDIR=$(scripts/draft-libzmq.sh | tail -1)`. Tests
//!   that use the draft API (`test_draft_*`, or any defining `ZMQ_BUILD_DRAFT_API`) run
//!   only against ours or such a build, and are reported skipped otherwise.
//!
//! Environment: `ZMQ_C_TESTS_JOBS` (default 4 programs at once), `ZMQ_C_TESTS_TIMEOUT`
//! (seconds per program, default 60), `CC`/`CFLAGS` as understood by the `cc` crate.
//! Binaries and their output go to `target/c-tests/{ours,system}/`.

use std::fs;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Config {
    system: bool,
    manifest_dir: PathBuf,
    out_dir: PathBuf,
    /// Directory holding `libzmq.so` and `libzmq.so.5` (ours, or ZMQ_C_TESTS_LIBDIR).
    lib_dir: Option<PathBuf>,
    /// Directory holding the `zmq.h` to compile against (None: the system's).
    include_dir: Option<PathBuf>,
    /// Whether the library has the draft API (`test_draft_*` need it).
    drafts: bool,
    compiler: Command,
    timeout: Duration,
}

enum Outcome {
    Ok(Duration),
    Skipped(&'static str),
    CompileFailed(String),
    Failed(String),
    TimedOut(String),
}

fn main() -> ExitCode {
    let mut filters: Vec<String> = Vec::new();
    let mut exact = false;
    let mut list = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--exact" => exact = true,
            "--list" => list = true,
            // libtest options that take a value: swallow the value too.
            "--test-threads" | "--skip" | "--format" | "--color" | "--logfile" => {
                args.next();
            }
            s if s.starts_with('-') => {} // --nocapture, --quiet, --ignored, ...
            s => filters.push(s.to_string()),
        }
    }

    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let src_dir = manifest_dir.join("c-tests");
    let mut tests: Vec<String> = match fs::read_dir(&src_dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.starts_with("test_") && n.ends_with(".c"))
            .map(|n| n.trim_end_matches(".c").to_string())
            .collect(),
        Err(e) => {
            eprintln!("c_api: cannot read {}: {e}", src_dir.display());
            return ExitCode::FAILURE;
        }
    };
    tests.sort();
    tests.retain(|t| {
        filters.is_empty()
            || filters.iter().any(|f| {
                if exact {
                    t == f
                } else {
                    t.contains(f.as_str())
                }
            })
    });

    if list {
        for t in &tests {
            println!("c-tests/{t}.c: test");
        }
        return ExitCode::SUCCESS;
    }

    let env_dir = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    // A libzmq of one's own (ZMQ_C_TESTS_LIBDIR) is system mode against that library.
    let other_lib = env_dir("ZMQ_C_TESTS_LIBDIR");
    let system = other_lib.is_some()
        || std::env::var_os("ZMQ_C_TESTS_SYSTEM").is_some_and(|v| !v.is_empty() && v != "0");

    // target/<profile>/deps/c_api-HASH -> target/<profile>
    let exe = std::env::current_exe().expect("current_exe");
    let mut profile_dir = exe.parent().expect("exe dir").to_path_buf();
    if profile_dir.file_name().is_some_and(|n| n == "deps") {
        profile_dir.pop();
    }
    let target_dir = profile_dir.parent().unwrap_or(&profile_dir).to_path_buf();
    let out_dir = target_dir.join("c-tests").join(match (&other_lib, system) {
        (Some(_), _) => "libdir",
        (None, true) => "system",
        (None, false) => "ours",
    });
    if let Err(e) = fs::create_dir_all(&out_dir) {
        eprintln!("c_api: cannot create {}: {e}", out_dir.display());
        return ExitCode::FAILURE;
    }

    let (lib_dir, include_dir);
    if system {
        // The header next to the library's build (`<dir>/../include`) unless named.
        include_dir = env_dir("ZMQ_C_TESTS_INCDIR").or_else(|| {
            let guess = other_lib.as_ref()?.parent()?.join("include");
            guess.join("zmq.h").exists().then_some(guess)
        });
        lib_dir = other_lib;
    } else {
        let header = manifest_dir.join("include").join("zmq.h");
        if !header.exists() {
            println!(
                "c_api: {} does not exist yet; skipping {} C test(s) \
                 (run with ZMQ_C_TESTS_SYSTEM=1 to check them against the system libzmq)",
                header.display(),
                tests.len()
            );
            return ExitCode::SUCCESS;
        }
        // `cargo test` builds the cdylib into deps/ without uplifting it; `cargo build`
        // also puts a copy in the profile dir. Take the newer one.
        let candidates = [
            profile_dir.join("deps").join("libzmq.so"),
            profile_dir.join("libzmq.so"),
        ];
        let Some(so) = candidates
            .iter()
            .filter_map(|p| Some((fs::metadata(p).ok()?.modified().ok()?, p.clone())))
            .max()
            .map(|(_, p)| p)
        else {
            eprintln!(
                "c_api: libzmq.so not found in {} or its deps/",
                profile_dir.display()
            );
            return ExitCode::FAILURE;
        };
        // The cdylib's soname is libzmq.so.5, so the programs' DT_NEEDED says
        // libzmq.so.5; provide exactly that name, pointing at our build.
        let dir = out_dir.join("lib");
        let _ = fs::create_dir_all(&dir);
        for name in ["libzmq.so", "libzmq.so.5"] {
            let link = dir.join(name);
            let _ = fs::remove_file(&link);
            if let Err(e) = std::os::unix::fs::symlink(&so, &link) {
                eprintln!("c_api: cannot symlink {}: {e}", link.display());
                return ExitCode::FAILURE;
            }
        }
        lib_dir = Some(dir);
        include_dir = Some(manifest_dir.join("include"));
    }
    let drafts = !system || lib_dir.is_some();

    let target = std::env::var("TARGET").unwrap_or_else(|_| default_triple());
    let host = std::env::var("HOST").unwrap_or_else(|_| target.clone());
    let compiler = cc::Build::new()
        .target(&target)
        .host(&host)
        .opt_level(1)
        .debug(true)
        .cargo_metadata(false)
        .cargo_warnings(false)
        .get_compiler()
        .to_command();

    let timeout = std::env::var("ZMQ_C_TESTS_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(60));
    let jobs: usize = std::env::var("ZMQ_C_TESTS_JOBS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(4);

    let cfg = Arc::new(Config {
        system,
        manifest_dir,
        out_dir,
        lib_dir,
        include_dir,
        drafts,
        compiler,
        timeout,
    });

    println!(
        "\nrunning {} C test(s) against {} libzmq",
        tests.len(),
        if system { "the SYSTEM" } else { "OUR" }
    );
    let tests = Arc::new(tests);
    let next = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
    let stdout_lock = Arc::new(Mutex::new(()));
    let start = Instant::now();

    let workers: Vec<_> = (0..jobs.min(tests.len().max(1)))
        .map(|_| {
            let (cfg, tests, next, failures, lock) = (
                cfg.clone(),
                tests.clone(),
                next.clone(),
                failures.clone(),
                stdout_lock.clone(),
            );
            std::thread::spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(name) = tests.get(i) else { break };
                let outcome = run_one(&cfg, name);
                let _g = lock.lock().unwrap();
                let (status, detail) = match outcome {
                    Outcome::Ok(d) => (format!("ok ({:.2}s)", d.as_secs_f64()), None),
                    Outcome::Skipped(why) => (format!("skipped ({why})"), None),
                    Outcome::CompileFailed(s) => ("FAILED (compile)".into(), Some(s)),
                    Outcome::Failed(s) => ("FAILED".into(), Some(s)),
                    Outcome::TimedOut(s) => ("FAILED (timeout)".into(), Some(s)),
                };
                println!("test c-tests/{name}.c ... {status}");
                let _ = std::io::stdout().flush();
                if let Some(d) = detail {
                    failures.lock().unwrap().push((name.clone(), d));
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }

    let failures = failures.lock().unwrap();
    if !failures.is_empty() {
        println!("\nfailures:\n");
        for (name, detail) in failures.iter() {
            println!("---- c-tests/{name}.c ----\n{}\n", detail.trim_end());
        }
        println!("failures:");
        for (name, _) in failures.iter() {
            println!("    c-tests/{name}.c");
        }
    }
    println!(
        "\nC test result: {}. {} passed; {} failed; finished in {:.2}s\n",
        if failures.is_empty() { "ok" } else { "FAILED" },
        tests.len() - failures.len(),
        failures.len(),
        start.elapsed().as_secs_f64()
    );
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn default_triple() -> String {
    let arch = std::env::consts::ARCH;
    match std::env::consts::OS {
        "linux" if cfg!(target_env = "musl") => format!("{arch}-unknown-linux-musl"),
        "linux" => format!("{arch}-unknown-linux-gnu"),
        "macos" => format!("{arch}-apple-darwin"),
        os => format!("{arch}-unknown-{os}"),
    }
}

fn clone_command(c: &Command) -> Command {
    let mut n = Command::new(c.get_program());
    n.args(c.get_args());
    for (k, v) in c.get_envs() {
        match v {
            Some(v) => n.env(k, v),
            None => n.env_remove(k),
        };
    }
    n
}

/// Whether a test source defines `ZMQ_BUILD_DRAFT_API` (uses the draft API).
fn uses_draft_api(src: &std::path::Path) -> bool {
    fs::read_to_string(src).is_ok_and(|text| {
        text.lines()
            .any(|l| l.trim_start().starts_with("#define ZMQ_BUILD_DRAFT_API"))
    })
}

fn run_one(cfg: &Config, name: &str) -> Outcome {
    let src = cfg.manifest_dir.join("c-tests").join(format!("{name}.c"));
    if !cfg.drafts && (name.starts_with("test_draft_") || uses_draft_api(&src)) {
        return Outcome::Skipped("needs a libzmq with drafts: ZMQ_C_TESTS_LIBDIR");
    }
    let bin = cfg.out_dir.join(name);
    let _ = fs::remove_file(&bin);

    let mut cc = clone_command(&cfg.compiler);
    cc.args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pthread"]);
    cc.arg("-I").arg(cfg.manifest_dir.join("c-tests"));
    if let Some(include) = &cfg.include_dir {
        cc.arg("-I").arg(include);
    }
    cc.arg(&src).arg("-o").arg(&bin);
    if let Some(lib) = &cfg.lib_dir {
        cc.arg(format!("-L{}", lib.display()));
        cc.arg(format!("-Wl,-rpath,{}", lib.display()));
    }
    cc.arg("-lzmq");
    match cc.output() {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            let line: Vec<String> = std::iter::once(cc.get_program())
                .chain(cc.get_args())
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            return Outcome::CompileFailed(format!(
                "{}\n{}{}",
                line.join(" "),
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ));
        }
        Err(e) => return Outcome::CompileFailed(format!("cannot run {cc:?}: {e}")),
    }

    // Output goes to files, not pipes, so a chatty program cannot block on a full pipe
    // while we poll it for the timeout.
    let out_path = cfg.out_dir.join(format!("{name}.out"));
    let out = match fs::File::create(&out_path) {
        Ok(f) => f,
        Err(e) => return Outcome::Failed(format!("cannot create {}: {e}", out_path.display())),
    };
    let err = match out.try_clone() {
        Ok(e) => e,
        Err(e) => return Outcome::Failed(format!("dup: {e}")),
    };
    let mut cmd = Command::new(&bin);
    cmd.stdin(Stdio::null()).stdout(out).stderr(err);
    if cfg.system {
        cmd.env("ZMQ_C_TESTS_SYSTEM", "1");
    } else {
        cmd.env_remove("ZMQ_C_TESTS_SYSTEM");
    }
    if let Some(lib) = &cfg.lib_dir {
        let mut p = std::ffi::OsString::from(lib.as_os_str());
        if let Some(old) = std::env::var_os("LD_LIBRARY_PATH") {
            p.push(":");
            p.push(old);
        }
        cmd.env("LD_LIBRARY_PATH", p);
    }
    let start = Instant::now();
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return Outcome::Failed(format!("cannot run {}: {e}", bin.display())),
    };
    let output = || fs::read_to_string(&out_path).unwrap_or_default();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let elapsed = start.elapsed();
                return if status.success() {
                    Outcome::Ok(elapsed)
                } else {
                    Outcome::Failed(format!("{}\n(exit: {status})", output()))
                };
            }
            Ok(None) if start.elapsed() > cfg.timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Outcome::TimedOut(format!(
                    "{}\n(killed after {}s)",
                    output(),
                    cfg.timeout.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Outcome::Failed(format!("wait: {e}")),
        }
    }
}
