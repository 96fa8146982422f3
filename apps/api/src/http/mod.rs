//! HTTP mechanics the handlers share: conditional requests, byte ranges and
//! file responses, upload bodies.

pub mod conditional;
pub mod files;
pub mod uploads;
