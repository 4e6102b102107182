//! A real SMTP server for the mail suites: `aiosmtpd` (PyPI, Apache-2.0, pinned in
//! `tests/mail/requirements.txt`) in a virtualenv under `~/.cache/confab-py`, storing each mail it
//! receives as a file of a Maildir, which the tests read. Without Python the mail suites are
//! skipped visibly (and fail under CI).

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::process::{Child, Command};

use crate::free_port;

/// A running aiosmtpd, killed on drop (its Maildir removed).
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    maildir: PathBuf,
}

/// The virtualenv's Python, made once per requirements file; why not, when it cannot be.
fn python() -> &'static Result<PathBuf, String> {
    static READY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    READY.get_or_init(|| {
        let requirements = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("mail/requirements.txt");
        let pinned = std::fs::read(&requirements).map_err(|e| e.to_string())?;
        let hash = hex::encode(&Sha256::digest(&pinned)[..8]);
        let home = std::env::var_os("HOME").map_or_else(std::env::temp_dir, PathBuf::from);
        let venv = home.join(".cache/confab-py").join(format!("mail-{hash}"));
        let python = venv.join("bin/python");
        if venv.join("installed").exists() {
            return Ok(python);
        }
        let run = |command: &mut std::process::Command| -> Result<(), String> {
            let out = command.output().map_err(|e| e.to_string())?;
            if out.status.success() {
                Ok(())
            } else {
                Err(String::from_utf8_lossy(&out.stderr).into_owned())
            }
        };
        run(std::process::Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv))?;
        run(std::process::Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "-r"])
            .arg(&requirements))?;
        std::fs::write(venv.join("installed"), &pinned).map_err(|e| e.to_string())?;
        Ok(python)
    })
}

impl SmtpServer {
    /// Starts one on a free port, or says why it cannot (`None`: skipped, see [`crate::skip`]).
    pub async fn start() -> Option<Self> {
        Self::start_on(free_port()).await
    }

    /// Starts one on `port` (a server stopped and started again on the same address).
    pub async fn start_on(port: u16) -> Option<Self> {
        let python = match python() {
            Ok(python) => python,
            Err(reason) => {
                crate::skip(&format!(
                    "the mail suites need python3 and PyPI's aiosmtpd ({})",
                    reason.lines().last().unwrap_or(reason)
                ));
                return None;
            }
        };
        let maildir = std::env::temp_dir().join(format!(
            "confab-mail-{}-{port}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start aiosmtpd");
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Some(Self {
                    child,
                    port,
                    maildir,
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("aiosmtpd did not listen on {port}");
    }

    /// What points a Confab server at this one.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The Maildir it stores mails in (each received mail is a file of `new/`), for clients in
    /// other languages to read (`CONFAB_TEST_MAILDIR`).
    pub fn maildir(&self) -> &std::path::Path {
        &self.maildir
    }

    /// Stops it (the port stays free for [`start_on`](Self::start_on)).
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }

    /// Every mail received for `to`, oldest first, as raw text with quoted-printable undone.
    pub fn mails_to(&self, to: &str) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        let mut files: Vec<(std::time::SystemTime, String)> = entries
            .flatten()
            .filter_map(|entry| {
                let text = std::fs::read_to_string(entry.path()).ok()?;
                let modified = entry.metadata().ok()?.modified().ok()?;
                Some((modified, decode(&text)))
            })
            .filter(|(_, text)| {
                text.lines()
                    .any(|line| line.to_ascii_lowercase().starts_with("to:") && line.contains(to))
            })
            .collect();
        files.sort_by_key(|(modified, _)| *modified);
        files.into_iter().map(|(_, text)| text).collect()
    }

    /// Waits (up to `within`) until `to` has received `count` mails, and returns the last.
    pub async fn wait_for(&self, to: &str, count: usize, within: Duration) -> String {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let mails = self.mails_to(to);
            if mails.len() >= count {
                return mails[count - 1].clone();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{to} got {} mails in {within:?}, expected {count}",
                mails.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.maildir);
    }
}

/// Undoes quoted-printable (soft line breaks, `=XX`), which mailers may use for long lines.
fn decode(raw: &str) -> String {
    if !raw.to_ascii_lowercase().contains("quoted-printable") {
        return raw.to_owned();
    }
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Some(byte) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The value after `key=` in the mail's link (a token: hex digits).
pub fn token_in(mail: &str) -> String {
    let start = mail.find("token=").expect("a token in the mail") + "token=".len();
    mail[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect()
}
