//! Set avatar: a person's picture, made from an upload and shown to everyone who sees their
//! name (rules in `confab_domain::avatar`).

use confab_domain::attachment::content_type;
use confab_domain::avatar::{self, AvatarSize, NOT_A_PICTURE};
use confab_domain::ports::ByteSource;
use confab_domain::{Avatar, DomainError, User};

use super::authenticate::Authenticated;
use super::upload_attachment::MAX_IMAGE_BYTES;
use crate::Confab;

/// The most bytes an avatar file is served from: 256 px as JPEG or PNG is far below.
const MAX_AVATAR_FILE_BYTES: u64 = 2 * 1024 * 1024;

impl Confab {
    /// The upload streams into the store (never held whole; `CONFAB_UPLOAD_MAX_BYTES`, 413
    /// beyond), its type is read from its bytes (422 on `file` for anything but JPEG, PNG, GIF
    /// or WebP, or a picture that does not decode), and it is re-encoded as a centred square at
    /// 256 and 64 px without metadata. Then the account points at the new pictures, the rooms are
    /// told (`user.updated`), and the pictures it replaced are removed. The upload itself is
    /// never kept. Returns the account after.
    pub async fn set_avatar(
        &self,
        auth: &Authenticated,
        source: Box<dyn ByteSource>,
    ) -> Result<User, DomainError> {
        let incoming = format!("avatars/incoming/{}", uuid::Uuid::new_v4());
        let files = &self.ports.files;
        let stored = files.put(&incoming, source, self.uploads.max_bytes).await?;
        let made = self.make_avatar(&incoming, &stored.head, stored.size).await;
        if let Err(error) = files.delete(std::slice::from_ref(&incoming)).await {
            tracing::warn!(%error, "an avatar upload could not be removed");
        }
        let pictures = made?.ok_or_else(|| DomainError::invalid("file", NOT_A_PICTURE))?;
        let avatar = Avatar::named(&stored.sha256, &pictures.content_type);
        let user = auth.user.id;
        files
            .put_small(&avatar.storage_key(user, AvatarSize::Large), pictures.large)
            .await?;
        files
            .put_small(&avatar.storage_key(user, AvatarSize::Small), pictures.small)
            .await?;
        self.replace_avatar(&auth.user, Some(avatar)).await
    }

    /// Removes the picture; the rooms are told. Nothing to remove is no error.
    pub async fn remove_avatar(&self, auth: &Authenticated) -> Result<User, DomainError> {
        self.replace_avatar(&auth.user, None).await
    }

    /// The stored picture the public path `file` (`{user}-{hash}.{jpg|png}`) and `size` name,
    /// with its type: anyone may read it — it is shown wherever the name is.
    ///
    /// # Errors
    /// `AvatarNotFound` for a path that names no stored avatar (replaced ones included).
    pub async fn avatar_file(
        &self,
        file: &str,
        size: Option<u32>,
    ) -> Result<(Vec<u8>, &'static str), DomainError> {
        let (key, content_type) = avatar::requested(file, size)?;
        match self
            .ports
            .files
            .read_small(&key, MAX_AVATAR_FILE_BYTES)
            .await
        {
            Ok(bytes) => Ok((bytes, content_type)),
            Err(DomainError::AttachmentNotFound) => Err(DomainError::AvatarNotFound),
            Err(error) => Err(error),
        }
    }

    /// The pictures of the upload stored at `key`, when it is a picture that decodes.
    async fn make_avatar(
        &self,
        key: &str,
        head: &[u8],
        size: u64,
    ) -> Result<Option<confab_domain::ports::AvatarImages>, DomainError> {
        let kind = content_type::detect(head);
        if !avatar::is_picture(kind) || size > MAX_IMAGE_BYTES {
            return Ok(None);
        }
        let bytes = self.ports.files.read_small(key, MAX_IMAGE_BYTES).await?;
        self.ports.images.avatar(kind, bytes).await
    }

    async fn replace_avatar(
        &self,
        user: &User,
        avatar: Option<Avatar>,
    ) -> Result<User, DomainError> {
        let mut after = user.clone();
        after.avatar = avatar.clone();
        let (replaced, events) = self.ports.accounts.replace_avatar(&after, avatar).await?;
        if let Some(old) = replaced.filter(|old| Some(old) != after.avatar.as_ref()) {
            let keys = avatar::stored_keys(user.id, old.as_str());
            if let Err(error) = self.ports.files.delete(&keys).await {
                tracing::warn!(%error, "a replaced avatar could not be removed");
            }
        }
        for event in events {
            self.ports.broadcaster.publish(event, None).await;
        }
        Ok(after)
    }
}

#[cfg(test)]
mod tests;
