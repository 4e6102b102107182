//! The file store's behaviour, against a real folder and a real S3-compatible server (`s3s-fs`,
//! started per test with signature checking on). One test binary: `cargo test -p confab-storage`.

mod behaviour;
mod helpers;
mod local;
mod s3;
