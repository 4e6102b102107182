//! A TCP proxy the tests can pull the plug on: it forwards a local port to a real server (the
//! PostgreSQL on 5432), and `stop` closes the port and cuts every open connection at once — what a
//! database host that goes away looks like to Confab. `start` again on the same port brings it back.

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub struct TcpProxy {
    pub port: u16,
    target: SocketAddr,
    running: Option<JoinHandle<()>>,
}

impl TcpProxy {
    /// Forwards a free local port to `target`.
    pub async fn start(target: SocketAddr) -> Self {
        let mut proxy = Self {
            port: crate::free_port(),
            target,
            running: None,
        };
        proxy.resume().await;
        proxy
    }

    /// Opens the port again (the same one) after `stop`.
    pub async fn resume(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("the proxy's port is free again");
        let target = self.target;
        self.running = Some(tokio::spawn(async move {
            let mut links = tokio::task::JoinSet::new();
            while let Ok((mut client, _)) = listener.accept().await {
                links.spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
            // Dropping the set aborts every link: each connection is cut.
        }));
    }

    /// Closes the port and cuts every connection through it.
    pub async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.abort();
            let _ = running.await;
        }
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            running.abort();
        }
    }
}
