//! Data-export archives as ZIP files, written straight into the file store.
//!
//! The `zip` crate writes a streamed archive (each entry's sizes and CRC in a data descriptor
//! after its bytes, so nothing is ever rewritten) into a spool; every [`CHUNK_BYTES`] of it go
//! through a bounded channel to the store's `put`, which runs beside the writer and measures the
//! archive's size and SHA-256 as it stores it. JSON and text are deflated; copied files are
//! stored as they are (photos, video and PDFs are compressed already). Memory stays at a few
//! chunks and one page of records, however big the export.

mod build_loop;
mod pipe;
mod records;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{Datelike, Timelike};
use confab_domain::ports::{
    ArchiveWriter, ByteSource, ExportArchive, ExportRecord, FileStore, StoredFile,
};
use confab_domain::{DomainError, ExportFile};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use zip::write::{SimpleFileOptions, StreamWriter};
use zip::{CompressionMethod, ZipWriter};

pub use crate::build_loop::build_exports;
use crate::pipe::{CHUNK_BYTES, Piece, Spool, channel};

/// Starts archives in `store`.
#[derive(Clone)]
pub struct ZipArchives {
    store: Arc<dyn FileStore>,
}

impl ZipArchives {
    pub fn new(store: Arc<dyn FileStore>) -> Self {
        Self { store }
    }
}

impl ArchiveWriter for ZipArchives {
    fn start(&self, key: &str) -> Box<dyn ExportArchive> {
        let (sender, received) = channel();
        let store = self.store.clone();
        let key = key.to_owned();
        let upload = tokio::spawn(async move {
            store
                .put(&key, Box::new(received), u64::MAX)
                .await
                .map(|stored| (key, stored))
        });
        let spool = Spool::default();
        Box::new(ZipExport {
            zip: Some(ZipWriter::new_stream(spool.clone())),
            spool,
            sender: Some(sender),
            upload: Some(upload),
            list: None,
            modified: now_in_zip(),
        })
    }
}

/// An archive being written (see the crate's documentation).
struct ZipExport {
    zip: Option<ZipWriter<StreamWriter<Spool>>>,
    spool: Spool,
    sender: Option<mpsc::Sender<Piece>>,
    upload: Option<JoinHandle<Result<(String, StoredFile), DomainError>>>,
    /// Records written to the open list so far (`None`: no list open).
    list: Option<u64>,
    modified: zip::DateTime,
}

/// Entries get the time the archive was started (`zip` without its `time` feature would say
/// 1980).
fn now_in_zip() -> zip::DateTime {
    let now = chrono::Utc::now();
    let part = |n: u32| u8::try_from(n).unwrap_or(0);
    zip::DateTime::from_date_and_time(
        u16::try_from(now.year()).unwrap_or(1980),
        part(now.month()),
        part(now.day()),
        part(now.hour()),
        part(now.minute()),
        part(now.second()),
    )
    .unwrap_or_default()
}

fn zip_error(error: impl std::fmt::Display) -> DomainError {
    DomainError::Internal(format!("writing the export archive: {error}"))
}

impl ZipExport {
    fn zip(&mut self) -> Result<&mut ZipWriter<StreamWriter<Spool>>, DomainError> {
        self.zip
            .as_mut()
            .ok_or_else(|| zip_error("the archive is finished"))
    }

    /// Deflated text, or a file stored as it is; a copied file may pass 4 GiB, so it gets the
    /// ZIP64 fields (its size is not known before its end).
    fn start_entry(&mut self, path: &str, method: CompressionMethod) -> Result<(), DomainError> {
        if self.list.is_some() {
            return Err(zip_error("a list is still open"));
        }
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(self.modified)
            .unix_permissions(0o644)
            .large_file(method == CompressionMethod::Stored);
        self.zip()?.start_file(path, options).map_err(zip_error)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), DomainError> {
        use std::io::Write;
        self.zip()?.write_all(bytes).map_err(zip_error)
    }

    /// Hands on what gathered once it is a chunk (`all`: whatever there is), waiting while the
    /// store is behind. A store that stopped reading has failed: its error is the answer.
    async fn drain(&mut self, all: bool) -> Result<(), DomainError> {
        let Some(bytes) = self.spool.take(if all { 0 } else { CHUNK_BYTES }) else {
            return Ok(());
        };
        let sender = self.sender.as_ref().ok_or_else(|| zip_error("closed"))?;
        if sender.send(Piece::Bytes(bytes)).await.is_err() {
            return Err(self.upload_error().await);
        }
        Ok(())
    }

    /// Why the store's `put` stopped.
    async fn upload_error(&mut self) -> DomainError {
        match self.upload.take() {
            Some(upload) => match upload.await {
                Ok(Err(error)) => error,
                Ok(Ok(_)) => zip_error("the store ended the archive early"),
                Err(error) => zip_error(error),
            },
            None => zip_error("the store is gone"),
        }
    }
}

#[async_trait]
impl ExportArchive for ZipExport {
    async fn single(&mut self, path: &str, record: ExportRecord) -> Result<(), DomainError> {
        self.start_entry(path, CompressionMethod::Deflated)?;
        let json = serde_json::to_vec_pretty(&records::json_of(&record)).map_err(zip_error)?;
        self.write(&json)?;
        self.write(b"\n")?;
        self.drain(false).await
    }

    async fn open_list(&mut self, path: &str) -> Result<(), DomainError> {
        self.start_entry(path, CompressionMethod::Deflated)?;
        self.write(b"[")?;
        self.list = Some(0);
        Ok(())
    }

    async fn push(&mut self, records: Vec<ExportRecord>) -> Result<(), DomainError> {
        let mut written = self.list.ok_or_else(|| zip_error("no list is open"))?;
        for record in &records {
            let json = serde_json::to_vec(&records::json_of(record)).map_err(zip_error)?;
            self.write(if written == 0 { b"\n  " } else { b",\n  " })?;
            self.write(&json)?;
            written += 1;
            self.drain(false).await?;
        }
        self.list = Some(written);
        Ok(())
    }

    async fn close_list(&mut self) -> Result<(), DomainError> {
        let written = self
            .list
            .take()
            .ok_or_else(|| zip_error("no list is open"))?;
        self.write(if written == 0 { b"]\n" } else { b"\n]\n" })?;
        self.drain(false).await
    }

    async fn copy(
        &mut self,
        path: &str,
        mut source: Box<dyn ByteSource>,
    ) -> Result<(), DomainError> {
        self.start_entry(path, CompressionMethod::Stored)?;
        while let Some(chunk) = source.next_chunk().await? {
            self.write(&chunk)?;
            self.drain(false).await?;
        }
        Ok(())
    }

    async fn text(&mut self, path: &str, text: &str) -> Result<(), DomainError> {
        self.start_entry(path, CompressionMethod::Deflated)?;
        self.write(text.as_bytes())?;
        self.drain(false).await
    }

    async fn finish(&mut self) -> Result<ExportFile, DomainError> {
        if self.list.is_some() {
            return Err(zip_error("a list is still open"));
        }
        let zip = self.zip.take().ok_or_else(|| zip_error("finished twice"))?;
        zip.finish().map_err(zip_error)?;
        self.drain(true).await?;
        let sender = self.sender.take().ok_or_else(|| zip_error("closed"))?;
        if sender.send(Piece::End).await.is_err() {
            return Err(self.upload_error().await);
        }
        drop(sender);
        let upload = self
            .upload
            .take()
            .ok_or_else(|| zip_error("the store is gone"))?;
        let (storage_key, stored) = upload.await.map_err(zip_error)??;
        Ok(ExportFile {
            storage_key,
            size: stored.size,
            sha256: stored.sha256,
        })
    }
}
