//! TLS with rustls: with `--tls-cert` and `--tls-key` the server speaks `https` and `wss`
//! on the same port and paths (the French tutorial's `wss://` on a certificate chain and key).

use std::{fmt, io, path::Path, sync::Arc};

use rustls::{
    ServerConfig,
    pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
};
use tokio_rustls::TlsAcceptor;

/// A loaded certificate chain and key, ready to accept connections.
#[derive(Clone)]
pub struct Tls(TlsAcceptor);

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Tls(..)")
    }
}

/// Why the certificate or key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// What reading it failed with.
        source: io::Error,
    },
    /// The certificate file holds no PEM certificate.
    #[error("{0}: no PEM certificate found")]
    NoCertificate(String),
    /// The key file holds no PEM private key.
    #[error("{0}: no PEM private key found (PKCS#8, PKCS#1 or SEC1)")]
    NoKey(String),
    /// rustls refused the pair (e.g. the key does not match the certificate).
    #[error("unusable certificate or key: {0}")]
    Rustls(#[from] rustls::Error),
}

impl Tls {
    /// Loads a PEM certificate chain and a PEM private key.
    ///
    /// # Errors
    /// A file is unreadable, holds no certificate or key, or the two do not match.
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Self, TlsError> {
        let read = |path: &Path| {
            std::fs::read(path).map_err(|source| TlsError::Read {
                path: path.display().to_string(),
                source,
            })
        };
        Self::from_pem(&read(cert)?, &read(key)?, &cert.display().to_string())
    }

    /// Builds from PEM bytes; `name` is used in error messages.
    ///
    /// # Errors
    /// See [`Tls::from_pem_files`].
    pub fn from_pem(cert: &[u8], key: &[u8], name: &str) -> Result<Self, TlsError> {
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert)
            .filter_map(Result::ok)
            .collect();
        if chain.is_empty() {
            return Err(TlsError::NoCertificate(name.to_owned()));
        }
        let key =
            PrivateKeyDer::from_pem_slice(key).map_err(|_| TlsError::NoKey(name.to_owned()))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self(TlsAcceptor::from(Arc::new(config))))
    }

    /// The acceptor for incoming connections.
    pub(crate) fn acceptor(&self) -> &TlsAcceptor {
        &self.0
    }
}
