//! Avatars: the picture beside a person's name, shown to everyone who sees the name — so unlike
//! attachments they are public, and cached for good: the content hash is in the URL, a new
//! picture gets a new URL, and an old URL never shows another picture.
//!
//! An upload is re-encoded at [`AvatarSize::Large`] and [`AvatarSize::Small`] (a centred square,
//! no metadata), stored under [`stored_keys`] and named in `users.avatar` as
//! `{16 hex digits of the large file's SHA-256}.{jpg|png}` ([`Avatar`]).

use crate::{DomainError, UserId};

/// The two sizes kept, in pixels a side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AvatarSize {
    /// 256 px: profiles and member lists (the URL's default).
    Large,
    /// 64 px: beside every message (`?size=64`).
    Small,
}

impl AvatarSize {
    pub const ALL: [AvatarSize; 2] = [AvatarSize::Large, AvatarSize::Small];

    pub fn pixels(self) -> u32 {
        match self {
            AvatarSize::Large => 256,
            AvatarSize::Small => 64,
        }
    }

    /// `?size=` of a download: 256 or 64, the large one when not given.
    ///
    /// # Errors
    /// `AvatarNotFound` for any other size: no such file.
    pub fn parse(size: Option<u32>) -> Result<Self, DomainError> {
        match size {
            None | Some(256) => Ok(AvatarSize::Large),
            Some(64) => Ok(AvatarSize::Small),
            Some(_) => Err(DomainError::AvatarNotFound),
        }
    }
}

/// How much of the content hash names an avatar: 64 bits tell a person's pictures apart.
const HASH_DIGITS: usize = 16;

/// A stored avatar's name, as `users.avatar` holds it: `{hash}.{jpg|png}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Avatar(String);

impl Avatar {
    /// The name for re-encoded images whose large file has SHA-256 `sha256` (hex) and type
    /// `content_type` (JPEG for opaque pictures, PNG for ones with transparency).
    pub fn named(sha256: &str, content_type: &str) -> Self {
        let extension = if content_type == "image/png" {
            "png"
        } else {
            "jpg"
        };
        let hash: String = sha256.chars().take(HASH_DIGITS).collect();
        Self(format!("{hash}.{extension}"))
    }

    /// The name as stored; `None` for anything this did not make (a row edited by hand).
    pub fn stored(name: &str) -> Option<Self> {
        let (hash, extension) = name.split_once('.')?;
        let hex = hash.len() == HASH_DIGITS
            && hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        (hex && matches!(extension, "jpg" | "png")).then(|| Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn parts(&self) -> (&str, &str) {
        self.0.split_once('.').unwrap_or((&self.0, "jpg"))
    }

    pub fn content_type(&self) -> &'static str {
        match self.parts().1 {
            "png" => "image/png",
            _ => "image/jpeg",
        }
    }

    /// Where `user`'s avatar of `size` is stored.
    pub fn storage_key(&self, user: UserId, size: AvatarSize) -> String {
        let (hash, extension) = self.parts();
        format!(
            "avatars/{}-{hash}-{}.{extension}",
            user.get(),
            size.pixels()
        )
    }

    /// The public path of `user`'s avatar (the large one; `?size=64` for the small one): the
    /// user and the hash in the path, so it can be cached for good.
    pub fn path(&self, user: UserId) -> String {
        format!("/api/v1/avatars/{}-{}", user.get(), self.0)
    }
}

/// The picture types an avatar may be uploaded as (read from the bytes).
pub fn is_picture(content_type: &str) -> bool {
    matches!(
        content_type,
        "image/jpeg" | "image/png" | "image/gif" | "image/webp"
    )
}

/// What an upload that is no picture is told (422 on `file`).
pub const NOT_A_PICTURE: &str = "The file must be a JPEG, PNG, GIF or WebP image.";

/// Every key `user`'s stored avatar named `name` occupies (for removing it).
pub fn stored_keys(user: UserId, name: &str) -> Vec<String> {
    Avatar::stored(name).map_or_else(Vec::new, |avatar| {
        AvatarSize::ALL
            .iter()
            .map(|size| avatar.storage_key(user, *size))
            .collect()
    })
}

/// A download's `{user}-{hash}.{ext}` path segment and `?size=`: which stored file, and its type.
///
/// # Errors
/// `AvatarNotFound` for anything that is not an avatar's path.
pub fn requested(file: &str, size: Option<u32>) -> Result<(String, &'static str), DomainError> {
    let size = AvatarSize::parse(size)?;
    let (user, name) = file.split_once('-').ok_or(DomainError::AvatarNotFound)?;
    let user = user
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0 && !user.starts_with('+'))
        .ok_or(DomainError::AvatarNotFound)?;
    let avatar = Avatar::stored(name).ok_or(DomainError::AvatarNotFound)?;
    Ok((
        avatar.storage_key(UserId(user), size),
        avatar.content_type(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn a_name_is_the_hash_and_the_type() {
        assert_eq!(
            Avatar::named(SHA, "image/jpeg").as_str(),
            "0123456789abcdef.jpg"
        );
        let png = Avatar::named(SHA, "image/png");
        assert_eq!(png.as_str(), "0123456789abcdef.png");
        assert_eq!(png.content_type(), "image/png");
        assert_eq!(Avatar::stored(png.as_str()), Some(png));
    }

    #[test]
    fn stored_names_are_only_ones_this_made() {
        for bad in [
            "",
            "x.jpg",
            "0123456789ABCDEF.jpg",
            "0123456789abcdef.gif",
            "../a.jpg",
        ] {
            assert_eq!(Avatar::stored(bad), None, "{bad}");
        }
    }

    #[test]
    fn each_size_has_its_key_and_the_path_names_the_user_and_hash() {
        let avatar = Avatar::named(SHA, "image/jpeg");
        assert_eq!(
            stored_keys(UserId(7), avatar.as_str()),
            [
                "avatars/7-0123456789abcdef-256.jpg",
                "avatars/7-0123456789abcdef-64.jpg"
            ]
        );
        assert_eq!(
            avatar.path(UserId(7)),
            "/api/v1/avatars/7-0123456789abcdef.jpg"
        );
        assert!(stored_keys(UserId(7), "nonsense").is_empty());
    }

    #[test]
    fn only_pictures_become_avatars() {
        for kind in ["image/jpeg", "image/png", "image/gif", "image/webp"] {
            assert!(is_picture(kind), "{kind}");
        }
        for kind in ["image/svg+xml", "text/html", "application/pdf", "image/bmp"] {
            assert!(!is_picture(kind), "{kind}");
        }
    }

    #[test]
    fn a_download_path_picks_the_key_and_the_type() {
        assert_eq!(
            requested("7-0123456789abcdef.png", Some(64)).unwrap(),
            ("avatars/7-0123456789abcdef-64.png".to_owned(), "image/png")
        );
        assert_eq!(
            requested("7-0123456789abcdef.jpg", None).unwrap().0,
            "avatars/7-0123456789abcdef-256.jpg"
        );
        for (file, size) in [
            ("7-0123456789abcdef.jpg", Some(128)),
            ("x-0123456789abcdef.jpg", None),
            ("0-0123456789abcdef.jpg", None),
            ("+7-0123456789abcdef.jpg", None),
            ("7-../../etc.jpg", None),
            ("7", None),
        ] {
            assert_eq!(
                requested(file, size),
                Err(DomainError::AvatarNotFound),
                "{file}"
            );
        }
    }
}
