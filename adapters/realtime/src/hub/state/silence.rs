//! Timeouts on live sockets: a timed-out member still hears the room, but the hub refuses their
//! whispers on its channels until the timeout ends (`Op::Silence`, applied on every node; the
//! application says it again whenever such a member subscribes, so a node that started later
//! knows too).

use confab_domain::UserId;

use super::State;

impl State {
    /// Refuses (or, with `None`, allows again) `user`'s whispers on `channels` until `until_ms`.
    pub(in crate::hub) fn silence(
        &mut self,
        user: UserId,
        channels: &[String],
        until_ms: Option<i64>,
    ) {
        for channel in channels {
            let key = (user, channel.clone());
            match until_ms {
                Some(until) => {
                    self.silenced.insert(key, until);
                }
                None => {
                    self.silenced.remove(&key);
                }
            }
        }
    }

    /// Until when the owner of `socket` may not whisper on `channel`, if they may not now
    /// (`now_ms`); a timeout that ran out is forgotten here.
    pub(in crate::hub) fn silenced_until(
        &mut self,
        socket: &str,
        channel: &str,
        now_ms: i64,
    ) -> Option<i64> {
        let user = self.sockets.get(socket)?.user?;
        let key = (user, channel.to_owned());
        let until = *self.silenced.get(&key)?;
        if until > now_ms {
            Some(until)
        } else {
            self.silenced.remove(&key);
            None
        }
    }
}
