//! What the hub fans out: one event rendered once in each wire format it exists in.

use serde::{Deserialize, Serialize};

use crate::protocol::Frame;

/// The wire format a socket speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wire {
    /// Pusher protocol v7 (pusher-js, laravel-echo).
    Pusher,
    /// The plain-WebSocket envelope protocol of the learning README.
    Envelope,
}

/// One event as the hub fans it out: its text in each wire format it exists in. Between nodes
/// it travels as the two optional strings `pusher` and `envelope`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Outbound {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) pusher: Option<Frame>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) envelope: Option<Frame>,
}

impl Outbound {
    pub(crate) fn pusher(frame: Frame) -> Self {
        Self {
            pusher: Some(frame),
            envelope: None,
        }
    }

    pub(crate) fn envelope(frame: Frame) -> Self {
        Self {
            pusher: None,
            envelope: Some(frame),
        }
    }

    /// Adds (or replaces) the envelope rendering.
    pub(crate) fn with_envelope(mut self, frame: Option<Frame>) -> Self {
        if frame.is_some() {
            self.envelope = frame;
        }
        self
    }

    /// The text a socket speaking `wire` is sent, if the event exists in that format.
    pub(crate) fn render(&self, wire: Wire) -> Option<&Frame> {
        match wire {
            Wire::Pusher => self.pusher.as_ref(),
            Wire::Envelope => self.envelope.as_ref(),
        }
    }
}

impl From<Frame> for Outbound {
    /// A bare frame is a Pusher frame: everything the Pusher side built before envelopes existed.
    fn from(frame: Frame) -> Self {
        Self::pusher(frame)
    }
}
