//! What the hub fans out: one event rendered once in each wire format it exists in.

use crate::protocol::Frame;

/// The wire format a socket speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wire {
    /// Pusher protocol v7 (pusher-js, laravel-echo).
    Pusher,
    /// The plain-WebSocket envelope protocol of the learning README.
    Envelope,
}

/// One event as the hub fans it out: its text in each wire format it exists in.
#[derive(Debug, Clone, Default)]
pub(crate) struct Outbound {
    pub(super) pusher: Option<Frame>,
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

    pub(crate) fn from_parts(pusher: Option<Frame>, envelope: Option<Frame>) -> Self {
        Self { pusher, envelope }
    }

    pub(crate) fn pusher_text(&self) -> Option<&str> {
        self.pusher.as_deref()
    }

    pub(crate) fn envelope_text(&self) -> Option<&str> {
        self.envelope.as_deref()
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
