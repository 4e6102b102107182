//! The words of each mail: subject, plain text, and the link in it. Plain text only — it renders
//! everywhere, and a mail that asks someone to follow a link should look like nothing else.

use confab_domain::{Mail, MailKind};

/// A mail ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    pub subject: String,
    pub text: String,
    /// The link the mail asks the reader to follow.
    pub link: String,
}

/// `mail` in words, with links under `public_url`. The links open the server's page, whose
/// fragment (never sent to any server, so never in an access log) carries the token.
pub fn compose(mail: &Mail, public_url: &str) -> Composed {
    let base = public_url.trim_end_matches('/');
    let greeting = format!("Hello {},", mail.name);
    match &mail.kind {
        MailKind::VerifyEmail { token } => {
            let link = format!("{base}/#verify-email?token={}", encode(token.expose()));
            Composed {
                subject: "Verify your email address".into(),
                text: format!(
                    "{greeting}\n\nPlease confirm that {email} is your address by opening this \
                     link:\n\n{link}\n\nOr send this code to POST /api/v1/user/email/verify:\n\n\
                     {code}\n\nThe link works for 24 hours. If you did not create an account, \
                     ignore this mail.\n",
                    email = mail.to.as_str(),
                    code = token.expose(),
                ),
                link,
            }
        }
        MailKind::ResetPassword { token } => {
            let link = format!(
                "{base}/#reset-password?email={}&token={}",
                encode(mail.to.as_str()),
                encode(token.expose())
            );
            Composed {
                subject: "Reset your password".into(),
                text: format!(
                    "{greeting}\n\nSomeone (hopefully you) asked to reset the password of the \
                     account {email}. To choose a new one, open this link:\n\n{link}\n\nOr send \
                     this code to POST /api/v1/user/password/reset:\n\n{code}\n\nThe code works \
                     once, for 60 minutes. If you did not ask, ignore this mail: your password \
                     stays as it is.\n",
                    email = mail.to.as_str(),
                    code = token.expose(),
                ),
                link,
            }
        }
        MailKind::ExportReady { token } => {
            let link = format!(
                "{base}/api/v1/user/export/download?token={}",
                encode(token.expose())
            );
            Composed {
                subject: "Your data export is ready".into(),
                text: format!(
                    "{greeting}\n\nThe copy of your data you asked for is ready: your profile, \
                     your rooms, the messages you wrote, your reactions and the files you \
                     uploaded, as one ZIP file. Download it here:\n\n{link}\n\nThe link works \
                     for 24 hours; after that the file is deleted and you can ask for a new \
                     one. Anyone with the link can download the file, so do not share it.\n",
                ),
                link,
            }
        }
    }
}

/// Percent-encodes everything but the unreserved characters of RFC 3986.
fn encode(raw: &str) -> String {
    raw.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(byte).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use confab_domain::{AccountToken, Email};

    use super::*;

    fn mail(kind: MailKind) -> Mail {
        Mail {
            to: Email::parse("ann+x@example.com").unwrap(),
            name: "Ann".into(),
            kind,
        }
    }

    #[test]
    fn a_reset_mail_carries_the_code_and_a_link_with_the_email() {
        let token = AccountToken::parse("abc123").unwrap();
        let composed = compose(
            &mail(MailKind::ResetPassword { token }),
            "https://chat.example.com/",
        );
        assert_eq!(composed.subject, "Reset your password");
        assert_eq!(
            composed.link,
            "https://chat.example.com/#reset-password?email=ann%2Bx%40example.com&token=abc123"
        );
        assert!(composed.text.contains("abc123"));
        assert!(composed.text.contains(&composed.link));
        assert!(composed.text.starts_with("Hello Ann,"));
    }

    #[test]
    fn an_export_mail_links_straight_to_the_download() {
        let token = AccountToken::parse("x/y").unwrap();
        let composed = compose(
            &mail(MailKind::ExportReady { token }),
            "https://chat.example.com",
        );
        assert_eq!(
            composed.link,
            "https://chat.example.com/api/v1/user/export/download?token=x%2Fy"
        );
        assert!(composed.text.contains(&composed.link));
        assert!(composed.text.contains("24 hours"));
    }

    #[test]
    fn a_verification_mail_links_to_the_page() {
        let token = AccountToken::parse("t-1").unwrap();
        let composed = compose(
            &mail(MailKind::VerifyEmail { token }),
            "http://localhost:8080",
        );
        assert_eq!(
            composed.link,
            "http://localhost:8080/#verify-email?token=t-1"
        );
        assert!(composed.text.contains("ann+x@example.com"));
    }
}
