use confab_domain::ports::{IssuedToken, TokenIssuer};
use confab_domain::{Bearer, DomainError, SessionId, Timestamp, UserId};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// HS256 JWTs with `sub`, `iat` and `exp`, like Laravel's jwt-auth issues, plus the session they
/// belong to (`sid`) and which of its tokens this is (`gen`), so a token can be ended early.
#[derive(Clone)]
pub struct JwtTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl_seconds: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// The user id, as a string (RFC 7519 makes `sub` a StringOrURI).
    sub: String,
    sid: String,
    #[serde(rename = "gen")]
    generation: u32,
    iat: i64,
    exp: i64,
}

impl JwtTokens {
    pub fn new(secret: &[u8], ttl_seconds: u64) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl_seconds,
        }
    }
}

impl TokenIssuer for JwtTokens {
    fn issue(&self, bearer: &Bearer, now: Timestamp) -> Result<IssuedToken, DomainError> {
        let claims = Claims {
            sub: bearer.user.to_string(),
            sid: bearer.session.to_string(),
            generation: bearer.generation,
            iat: now.timestamp(),
            exp: now.timestamp() + self.ttl_seconds as i64,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|error| DomainError::Internal(format!("signing failed: {error}")))?;
        Ok(IssuedToken {
            token,
            expires_in: self.ttl_seconds,
        })
    }

    fn lifetime_secs(&self) -> u64 {
        self.ttl_seconds
    }

    /// Expiry is checked against the `now` passed in rather than the library's own clock, so the
    /// rule is the same one the rest of the system's time runs on. A token without a session
    /// (issued before sessions existed) is refused: its holder logs in again.
    fn verify(&self, token: &str, now: Timestamp) -> Result<Bearer, DomainError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["sub", "exp", "iat"]);
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|_| DomainError::Unauthenticated)?
            .claims;
        if claims.exp <= now.timestamp() {
            return Err(DomainError::Unauthenticated);
        }
        let user = claims
            .sub
            .parse::<i64>()
            .map(UserId)
            .map_err(|_| DomainError::Unauthenticated)?;
        Ok(Bearer {
            user,
            session: SessionId::new(claims.sid),
            generation: claims.generation,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::*;

    fn now() -> Timestamp {
        Utc.with_ymd_and_hms(2026, 2, 19, 15, 0, 0).unwrap()
    }

    fn bearer(user: i64) -> Bearer {
        Bearer {
            user: UserId(user),
            session: SessionId::new("s-1"),
            generation: 3,
        }
    }

    #[test]
    fn a_token_names_its_user_session_and_generation_until_it_expires() {
        let tokens = JwtTokens::new(b"secret", 60);
        let issued = tokens.issue(&bearer(42), now()).unwrap();
        assert_eq!(issued.expires_in, 60);
        assert_eq!(tokens.verify(&issued.token, now()), Ok(bearer(42)));
        assert_eq!(
            tokens.verify(&issued.token, now() + Duration::seconds(59)),
            Ok(bearer(42))
        );
        assert_eq!(
            tokens.verify(&issued.token, now() + Duration::seconds(60)),
            Err(DomainError::Unauthenticated)
        );
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused() {
        let forged = JwtTokens::new(b"other", 60)
            .issue(&bearer(1), now())
            .unwrap();
        assert_eq!(
            JwtTokens::new(b"secret", 60).verify(&forged.token, now()),
            Err(DomainError::Unauthenticated)
        );
    }

    #[test]
    fn a_token_from_before_sessions_is_refused() {
        #[derive(Serialize)]
        struct Old {
            sub: String,
            iat: i64,
            exp: i64,
        }
        let old = Old {
            sub: "1".into(),
            iat: now().timestamp(),
            exp: now().timestamp() + 60,
        };
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &old,
            &EncodingKey::from_secret(b"secret"),
        )
        .unwrap();
        assert_eq!(
            JwtTokens::new(b"secret", 60).verify(&token, now()),
            Err(DomainError::Unauthenticated)
        );
    }

    #[test]
    fn garbage_is_refused() {
        let tokens = JwtTokens::new(b"secret", 60);
        for token in ["", "abc", "a.b.c"] {
            assert_eq!(
                tokens.verify(token, now()),
                Err(DomainError::Unauthenticated)
            );
        }
    }
}
