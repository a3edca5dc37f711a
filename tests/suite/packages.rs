//! The Debian packages (issue 17), built by `scripts/package` from this build's binaries and
//! judged by Debian's own tools: lintian, desktop-file-validate, systemd-analyze, man, bash,
//! and dpkg installing, upgrading and purging them.
//!
//! dpkg works in a root of the test's own (`--root`, maintainer scripts run chrootless with
//! `DPKG_ROOT` set, as dpkg runs them when bootstrapping a chroot), so the machine's own
//! /usr and /etc are never touched and the test runs the same as root (CI) or not. The
//! packages' dependencies (libc and the rest) are the host's, so that root's dpkg database
//! is told to go without them (`--force-depends`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::support;
use support::CleanEnv;

const PATH: &str = "/usr/sbin:/usr/bin:/sbin:/bin";

/// The two packages, built once for the whole test binary.
struct Packages {
    clockoff: PathBuf,
    dashboard: PathBuf,
}

fn packages() -> Option<&'static Packages> {
    for tool in ["dpkg-deb", "dpkg-shlibdeps", "strip"] {
        support::or_skip(support::process::find_program(tool))?;
    }
    static BUILT: OnceLock<Packages> = OnceLock::new();
    Some(BUILT.get_or_init(|| {
        let bin_dir = Path::new(env!("CARGO_BIN_EXE_clockoff")).parent().unwrap();
        assert!(
            bin_dir.join("clockoff-dashboard").is_file(),
            "{} has no clockoff-dashboard: `cargo test --workspace` builds it (or `cargo build -p clockoff-dashboard`)",
            bin_dir.display()
        );
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("packages");
        let _ = std::fs::remove_dir_all(&out);
        let printed = ok(tool("scripts/package")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["--fast", "--bin-dir"])
            .arg(bin_dir)
            .arg("--out")
            .arg(&out)
            .env("PATH", with_cargo_path()));
        let debs: Vec<PathBuf> = printed.lines().map(PathBuf::from).collect();
        let find = |name: &str| {
            debs.iter()
                .find(|deb| deb.file_name().unwrap().to_string_lossy().starts_with(name))
                .unwrap_or_else(|| panic!("no {name} package in {printed}"))
                .clone()
        };
        Packages {
            clockoff: find("clockoff_"),
            dashboard: find("clockoff-dashboard_"),
        }
    }))
}

/// The script needs no cargo with --bin-dir; PATH as the test was given it, for the tools.
fn with_cargo_path() -> String {
    std::env::var("PATH").unwrap_or_else(|_| PATH.to_string())
}

/// A packaging tool, on the real clock and with nothing of the test's environment but PATH:
/// under libfaketime (scripts/test-dates) dpkg-deb's tar and man (which drops to the man
/// user) fail to open root's faketime shared memory, and none of them reads the date.
/// The programs installed run faked, as every other test's do.
fn tool(program: &str) -> Command {
    let mut command = Command::new(program);
    command.env_clear().env("PATH", with_cargo_path());
    command
}

fn ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert_success(cmd, &out);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn assert_success(cmd: &Command, out: &Output) {
    assert!(
        out.status.success(),
        "{cmd:?}: {}\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The files (not folders) a package holds, as absolute paths.
fn contents(deb: &Path) -> BTreeSet<String> {
    let listing = ok(tool("dpkg-deb").arg("-c").arg(deb));
    listing
        .lines()
        .filter(|line| !line.starts_with('d'))
        .map(|line| {
            let path = line
                .split_whitespace()
                .nth(5)
                .expect("a path in dpkg-deb -c");
            path.trim_start_matches('.').to_string()
        })
        .collect()
}

fn control_file(deb: &Path, name: &str) -> String {
    ok(tool("dpkg-deb").arg("--info").arg(deb).arg(name))
}

fn extract(deb: &Path, root: &Path) {
    ok(tool("dpkg-deb").arg("-x").arg(deb).arg(root));
}

#[test]
fn the_packages_are_lintian_clean_and_hold_what_they_promise() {
    let Some(debs) = packages() else { return };
    for tool in ["lintian", "desktop-file-validate"] {
        let Some(_) = support::or_skip(support::process::find_program(tool)) else {
            return;
        };
    }
    // Every tag, down to pedantic and experimental, is either absent or overridden in the
    // package with its reason (packaging/debian/*.lintian-overrides).
    let tags = ok(tool("lintian")
        .args([
            "-I",
            "-E",
            "--pedantic",
            "--fail-on",
            "error,warning,info,pedantic",
        ])
        .arg(&debs.clockoff)
        .arg(&debs.dashboard));
    assert_eq!(tags.trim(), "", "lintian tags");

    let files = contents(&debs.clockoff);
    for path in [
        "/usr/bin/clockoff",
        "/usr/bin/clockoff-agent",
        "/usr/lib/systemd/user/clockoff.service",
        "/usr/share/dbus-1/services/org.clockoff.Agent1.service",
        "/etc/xdg/autostart/clockoff.desktop",
        "/usr/share/applications/clockoff.desktop",
        "/usr/share/icons/hicolor/scalable/apps/clockoff.svg",
        "/etc/clockoff/policy.toml",
        "/usr/share/man/man1/clockoff.1.gz",
        "/usr/share/man/man1/clockoff-override.1.gz",
        "/usr/share/man/man1/clockoff-agent.1.gz",
        "/usr/share/bash-completion/completions/clockoff",
        "/usr/share/zsh/vendor-completions/_clockoff",
        "/usr/share/fish/vendor_completions.d/clockoff.fish",
        "/usr/share/doc/clockoff/copyright",
    ] {
        assert!(files.contains(path), "clockoff lacks {path}: {files:?}");
    }
    assert_eq!(
        control_file(&debs.clockoff, "conffiles").trim(),
        "/etc/clockoff/policy.toml\n/etc/xdg/autostart/clockoff.desktop"
    );
    let dashboard = contents(&debs.dashboard);
    for path in [
        "/usr/bin/clockoff-dashboard",
        "/usr/lib/systemd/system/clockoff-dashboard.service",
        "/usr/lib/sysusers.d/clockoff-dashboard.conf",
        "/etc/clockoff-dashboard/dashboard.toml",
        "/usr/share/man/man1/clockoff-dashboard.1.gz",
        "/usr/share/man/man1/clockoff-dashboard-token-create.1.gz",
    ] {
        assert!(
            dashboard.contains(path),
            "clockoff-dashboard lacks {path}: {dashboard:?}"
        );
    }
    assert_eq!(
        control_file(&debs.dashboard, "conffiles").trim(),
        "/etc/clockoff-dashboard/dashboard.toml"
    );
    let depends = control_file(&debs.clockoff, "control");
    assert!(depends.contains("Depends: libc6 (>= 2."), "{depends}");

    let root = support::tmp::temp_dir("package-files");
    extract(&debs.clockoff, root.path());
    extract(&debs.dashboard, root.path());
    let read = |path: &str| std::fs::read_to_string(root.path().join(&path[1..])).unwrap();
    for desktop in [
        "/etc/xdg/autostart/clockoff.desktop",
        "/usr/share/applications/clockoff.desktop",
    ] {
        ok(tool("desktop-file-validate").arg(root.path().join(&desktop[1..])));
    }
    // Where systemd runs the session the unit starts the agent; the autostart generator
    // must not start a second one.
    assert!(read("/etc/xdg/autostart/clockoff.desktop").contains("\nX-systemd-skip=true\n"));
    // The menu entry opens this week's record with a command the program has.
    let menu = read("/usr/share/applications/clockoff.desktop");
    assert!(menu.contains("\nExec=clockoff export --open\n"), "{menu}");
    let export_help = ok(Command::new(env!("CARGO_BIN_EXE_clockoff"))
        .clean_env()
        .args(["export", "--help"]));
    assert!(export_help.contains("--open"), "{export_help}");
    // The D-Bus service starts the very unit, by the name the unit waits for.
    let dbus = read("/usr/share/dbus-1/services/org.clockoff.Agent1.service");
    let unit = read("/usr/lib/systemd/user/clockoff.service");
    assert!(
        dbus.contains("\nSystemdService=clockoff.service\n"),
        "{dbus}"
    );
    assert!(
        dbus.contains("\nName=org.clockoff.Agent1\n")
            && unit.contains("\nBusName=org.clockoff.Agent1\n")
    );
    assert!(
        dbus.contains("\nExec=/usr/bin/clockoff run\n")
            && unit.contains("\nExecStart=/usr/bin/clockoff run\n")
    );
    // The dashboard's database is where its unit's StateDirectory is.
    let config = read("/etc/clockoff-dashboard/dashboard.toml");
    assert!(
        config
            .contains("\ndatabase = \"sqlite:///var/lib/clockoff-dashboard/dashboard.sqlite3\"\n")
    );
    assert!(
        read("/usr/lib/systemd/system/clockoff-dashboard.service")
            .contains("\nStateDirectory=clockoff-dashboard\n")
    );
}

/// The policy file changes nothing as shipped, and what it shows commented out is a valid
/// policy once uncommented: an administrator can take any of it as it stands.
#[test]
fn the_shipped_policy_is_all_comments_and_its_examples_pass_the_check() {
    let Some(debs) = packages() else { return };
    let root = support::tmp::temp_dir("package-policy");
    extract(&debs.clockoff, root.path());
    let policy = std::fs::read_to_string(root.path().join("etc/clockoff/policy.toml")).unwrap();
    for line in policy.lines() {
        assert!(
            line.is_empty() || line.starts_with('#'),
            "not a comment: {line:?}"
        );
    }
    let uncommented: String = policy
        .lines()
        .filter_map(|line| line.strip_prefix("# "))
        .filter(|line| {
            line.starts_with('[')
                || line.split_once(" = ").is_some_and(|(key, _)| {
                    !key.trim().is_empty()
                        && key
                            .trim()
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c == '_')
                })
        })
        .map(|line| format!("{line}\n"))
        .collect();
    assert!(
        uncommented.contains("[hours]") && uncommented.contains("lock = ["),
        "{uncommented}"
    );
    let examples = root.path().join("policy-uncommented.toml");
    std::fs::write(&examples, &uncommented).unwrap();
    let home = support::tmp::subdir(root.path(), "home");
    let checked = ok(Command::new(env!("CARGO_BIN_EXE_clockoff"))
        .clean_env()
        .env("HOME", &home)
        .env("CLOCKOFF_POLICY", &examples)
        .args(["config", "check"]));
    assert_eq!(checked.trim(), "ok", "{uncommented}");
}

/// Both units pass `systemd-analyze verify` in the packages' own root (their programs and
/// man pages found there), and the dashboard's sandbox scores 2.0 or lower.
#[test]
fn every_unit_verifies_and_the_dashboard_is_confined() {
    let Some(debs) = packages() else { return };
    let Some(_) = support::or_skip(support::process::find_program("systemd-analyze")) else {
        return;
    };
    let root = support::tmp::temp_dir("package-units");
    extract(&debs.clockoff, root.path());
    extract(&debs.dashboard, root.path());
    // The targets and slices every unit hangs from, as the system has them (a symlink out
    // of the root is refused under --root, so they are copied).
    let system = root.path().join("usr/lib/systemd/system");
    for dir in ["/usr/lib/systemd/system", "/usr/lib/systemd/user"] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let wanted =
                name.ends_with(".target") || name.ends_with(".slice") || name == "dbus.socket";
            if wanted && path.is_file() && !system.join(&name).exists() {
                std::fs::copy(&path, system.join(&name)).unwrap();
            }
        }
    }
    // systemd-analyze 252 does not take --user with --root: the user unit is verified as a
    // system unit, which checks the same directives, program and man page.
    let etc = support::tmp::subdir(root.path(), "etc/systemd/system");
    std::fs::copy(
        root.path().join("usr/lib/systemd/user/clockoff.service"),
        etc.join("clockoff.service"),
    )
    .unwrap();
    for unit in [
        "/usr/lib/systemd/system/clockoff-dashboard.service",
        "/etc/systemd/system/clockoff.service",
    ] {
        let mut verify = tool("systemd-analyze");
        verify
            .env("MANPATH", root.path().join("usr/share/man"))
            .arg("verify")
            .arg(format!("--root={}", root.path().display()))
            .arg(unit);
        let out = verify.output().expect("run systemd-analyze");
        assert_success(&verify, &out);
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{unit}");
    }
    let security = ok(tool("systemd-analyze")
        .env("PATH", PATH)
        .args(["security", "--offline=true", "--no-pager"])
        .arg(format!("--root={}", root.path().display()))
        .arg("clockoff-dashboard.service"));
    let exposure: f64 = security
        .lines()
        .find_map(|line| line.split("clockoff-dashboard.service: ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|figure| figure.parse().ok())
        .unwrap_or_else(|| panic!("no exposure level in {security}"));
    assert!(exposure <= 2.0, "exposure {exposure}:\n{security}");
}

/// A root of the test's own with an empty dpkg database, and dpkg run on it.
struct DpkgRoot {
    dir: support::tmp::TempDir,
}

impl DpkgRoot {
    fn new(label: &str) -> Self {
        let dir = support::tmp::temp_dir(label);
        for sub in [
            "var/lib/dpkg/info",
            "var/lib/dpkg/updates",
            "var/log",
            "etc",
        ] {
            support::tmp::subdir(dir.path(), sub);
        }
        for file in ["var/lib/dpkg/status", "var/lib/dpkg/available"] {
            std::fs::write(dir.path().join(file), "").unwrap();
        }
        Self { dir }
    }

    fn path(&self, inside: &str) -> PathBuf {
        self.dir.path().join(inside.trim_start_matches('/'))
    }

    fn dpkg(&self, args: &[&str], debs: &[&Path]) {
        ok(tool("dpkg")
            .env("PATH", PATH)
            .arg(format!("--root={}", self.dir.path().display()))
            .args([
                "--force-script-chrootless",
                "--force-not-root",
                "--force-depends",
            ])
            .args(args)
            .args(debs));
    }

    fn version(&self, package: &str) -> String {
        ok(tool("dpkg-query")
            .arg(format!(
                "--admindir={}",
                self.path("var/lib/dpkg").display()
            ))
            .args(["-W", "-f", "${Version} ${Status}"])
            .arg(package))
    }

    /// Every file and symbolic link under the root, as absolute paths inside it.
    fn files(&self) -> BTreeSet<String> {
        let listed = ok(tool("find")
            .arg(self.dir.path())
            .args(["-not", "-type", "d"]));
        let prefix = self.dir.path().display().to_string();
        listed
            .lines()
            .map(|line| line.strip_prefix(&prefix).unwrap().to_string())
            .collect()
    }

    /// `clockoff` as installed, run by a worker whose home is in the root.
    fn clockoff(&self, args: &[&str]) -> String {
        ok(Command::new(self.path("/usr/bin/clockoff"))
            .clean_env()
            .env("PATH", PATH)
            .env("HOME", self.path("/home/worker"))
            .env("TZ", "Europe/London")
            .env("CLOCKOFF_POLICY", self.path("/etc/clockoff/policy.toml"))
            // A Wednesday, so "yesterday" is in the week `logged` shows, whatever the day.
            .env(clockoff::core::clock::TEST_NOW_ENV, support::home::NOW)
            .args(args))
    }
}

/// The packages' version: the workspace's.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A later version of a package (`version`), one of its conffiles changed upstream:
/// unpacked, edited and packed again with dpkg-deb, as a new upstream release would be.
fn later_version(deb: &Path, version: &str, conffile: &str, out: &Path) -> PathBuf {
    let tree = out.join(deb.file_stem().unwrap());
    ok(tool("dpkg-deb").arg("-R").arg(deb).arg(&tree));
    let control = tree.join("DEBIAN/control");
    let text = std::fs::read_to_string(&control).unwrap();
    let old = text
        .lines()
        .find(|l| l.starts_with("Version: "))
        .unwrap()
        .to_string();
    std::fs::write(&control, text.replace(&old, &format!("Version: {version}"))).unwrap();
    let changed = tree.join(&conffile[1..]);
    let mut upstream = std::fs::read_to_string(&changed).unwrap();
    upstream.push_str("# A line the next release added.\n");
    std::fs::write(&changed, upstream).unwrap();
    ok(tool("sh").current_dir(&tree).args([
        "-c",
        "find . -path ./DEBIAN -prune -o -type f -printf '%P\\0' | sort -z | xargs -0 md5sum > DEBIAN/md5sums",
    ]));
    let name = deb
        .file_name()
        .unwrap()
        .to_string_lossy()
        .replace(VERSION, version);
    let later = out.join(name);
    ok(tool("dpkg-deb")
        .args(["--root-owner-group", "-Zgzip", "-z1", "--build"])
        .arg(&tree)
        .arg(&later));
    later
}

/// Install, use, upgrade over an administrator's edits, purge: what an IT team does to a
/// fleet, with what a worker keeps in their home left alone throughout.
#[test]
fn dpkg_installs_upgrades_and_purges_leaving_the_workers_own_record() {
    let Some(debs) = packages() else { return };
    for tool in [
        "dpkg",
        "deb-systemd-helper",
        "systemd-sysusers",
        "systemctl",
        "man",
        "bash",
    ] {
        let Some(_) = support::or_skip(support::process::find_program(tool)) else {
            return;
        };
    }
    let root = DpkgRoot::new("package-dpkg");
    let before = root.files();
    root.dpkg(&["--install"], &[&debs.clockoff, &debs.dashboard]);
    assert!(
        root.version("clockoff")
            .starts_with(&format!("{VERSION} install ok installed"))
    );

    // The programs, from where the package put them.
    let help = root.clockoff(&["--help"]);
    assert!(help.contains("Keeps your laptop quiet"), "{help}");
    let dashboard_help = ok(Command::new(root.path("/usr/bin/clockoff-dashboard"))
        .clean_env()
        .arg("--help"));
    assert!(
        dashboard_help.contains("clockoff team dashboard"),
        "{dashboard_help}"
    );
    // man finds the pages, the agent's too.
    for page in [
        "clockoff",
        "clockoff-override",
        "clockoff-agent",
        "clockoff-dashboard",
    ] {
        let found = ok(tool("man")
            .env("PATH", PATH)
            .env("MANPATH", root.path("/usr/share/man"))
            .args(["-w", page]));
        assert!(
            found
                .trim()
                .starts_with(&root.path("/usr/share/man/man1").display().to_string()),
            "{page}: {found}"
        );
    }
    // bash loads the completion from where bash-completion looks, and completes with it.
    let completion = root.path("/usr/share/bash-completion/completions/clockoff");
    let completed = ok(Command::new("bash").clean_env().args(["--norc", "--noprofile", "-c"]).arg(format!(
        "source '{}' && COMP_WORDS=(clockoff sta) COMP_CWORD=1 COMP_LINE='clockoff sta' COMP_POINT=12 && \
         _clockoff clockoff sta clockoff && printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        completion.display()
    )));
    assert_eq!(completed.trim(), "status");
    // Enabled: the agent for every user's graphical session, the dashboard at boot, under
    // a system user of its own that cannot log in.
    let agent_link = root.path("/etc/systemd/user/graphical-session.target.wants/clockoff.service");
    assert_eq!(
        std::fs::read_link(&agent_link).unwrap(),
        Path::new("/usr/lib/systemd/user/clockoff.service")
    );
    let dashboard_link =
        root.path("/etc/systemd/system/multi-user.target.wants/clockoff-dashboard.service");
    assert!(std::fs::read_link(&dashboard_link).is_ok());
    let passwd = std::fs::read_to_string(root.path("/etc/passwd")).unwrap();
    let user = passwd
        .lines()
        .find(|l| l.starts_with("clockoff-dashboard:"))
        .expect("the dashboard's user");
    assert!(
        user.ends_with(":/var/lib/clockoff-dashboard:/usr/sbin/nologin"),
        "{user}"
    );

    // A worker's first run, own config and record, and the service's database, made while
    // installed.
    let set_up = root.clockoff(&[
        "setup",
        "--yes",
        "--hours",
        "mon-fri 08:30-16:30",
        "--region",
        "scotland",
    ]);
    assert!(set_up.contains("Wrote "), "{set_up}");
    assert_eq!(root.clockoff(&["config", "check"]).trim(), "ok");
    root.clockoff(&["log", "18:00-19:30", "late visit", "--date", "yesterday"]);
    assert!(root.clockoff(&["logged"]).contains("late visit"));
    let worker_files: BTreeSet<String> = root
        .files()
        .into_iter()
        .filter(|f| f.starts_with("/home/worker/"))
        .collect();
    assert!(!worker_files.is_empty());
    support::tmp::subdir(root.dir.path(), "var/lib/clockoff-dashboard");
    std::fs::write(
        root.path("/var/lib/clockoff-dashboard/dashboard.sqlite3"),
        "reports",
    )
    .unwrap();

    // The administrator edits both conffiles and turns the dashboard off at boot.
    let policy = root.path("/etc/clockoff/policy.toml");
    let mut edited = std::fs::read_to_string(&policy).unwrap();
    edited.push_str("timezone = \"Europe/London\"\n");
    std::fs::write(&policy, &edited).unwrap();
    let config = root.path("/etc/clockoff-dashboard/dashboard.toml");
    let tuned = std::fs::read_to_string(&config)
        .unwrap()
        .replace("\nk = 10\n", "\nk = 12\n");
    std::fs::write(&config, &tuned).unwrap();
    ok(tool("systemctl")
        .env("PATH", PATH)
        .arg(format!("--root={}", root.dir.path().display()))
        .args(["disable", "clockoff-dashboard.service"]));
    assert!(std::fs::symlink_metadata(&dashboard_link).is_err());

    // The upgrade keeps the administrator's files (and offers upstream's beside them), the
    // dashboard off, the agent on, and the worker's record.
    let upgrades = support::tmp::temp_dir("package-upgrades");
    // Debian orders "+" after the end: the next release, whatever this one is.
    let next = format!("{VERSION}+next");
    let clockoff_next = later_version(
        &debs.clockoff,
        &next,
        "/etc/clockoff/policy.toml",
        upgrades.path(),
    );
    let dashboard_next = later_version(
        &debs.dashboard,
        &next,
        "/etc/clockoff-dashboard/dashboard.toml",
        upgrades.path(),
    );
    root.dpkg(
        &["--force-confold", "--install"],
        &[&clockoff_next, &dashboard_next],
    );
    assert!(
        root.version("clockoff")
            .starts_with(&format!("{next} install ok installed"))
    );
    assert!(
        root.version("clockoff-dashboard")
            .starts_with(&format!("{next} install ok installed"))
    );
    assert_eq!(std::fs::read_to_string(&policy).unwrap(), edited);
    assert_eq!(std::fs::read_to_string(&config).unwrap(), tuned);
    let offered =
        std::fs::read_to_string(root.path("/etc/clockoff/policy.toml.dpkg-dist")).unwrap();
    assert!(
        offered.ends_with("# A line the next release added.\n"),
        "{offered}"
    );
    assert!(
        std::fs::symlink_metadata(&dashboard_link).is_err(),
        "re-enabled by the upgrade"
    );
    assert!(
        std::fs::read_link(&agent_link).is_ok(),
        "the agent's unit lost by the upgrade"
    );
    assert!(root.clockoff(&["logged"]).contains("late visit"));

    // Purge: nothing the packages installed or made is left, but the worker's home is
    // untouched (and so is the service's user, as Debian keeps system users).
    let installed: BTreeSet<String> = contents(&debs.clockoff)
        .union(&contents(&debs.dashboard))
        .cloned()
        .collect();
    root.dpkg(&["--purge", "clockoff", "clockoff-dashboard"], &[]);
    let after = root.files();
    for file in &installed {
        assert!(!after.contains(file), "{file} left after purge");
    }
    let left: Vec<&String> = after
        .difference(&before)
        .filter(|f| {
            !f.starts_with("/home/worker/")
                && !f.starts_with("/var/lib/dpkg/")
                && *f != "/var/log/dpkg.log"
        })
        .filter(|f| {
            ![
                "/etc/passwd",
                "/etc/group",
                "/etc/shadow",
                "/etc/gshadow",
                "/etc/.pwd.lock",
            ]
            .contains(&f.as_str())
        })
        .collect();
    assert!(left.is_empty(), "left after purge: {left:?}");
    let still: BTreeSet<String> = after
        .into_iter()
        .filter(|f| f.starts_with("/home/worker/"))
        .collect();
    assert_eq!(still, worker_files, "the worker's own files");
}
