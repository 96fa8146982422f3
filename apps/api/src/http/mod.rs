//! HTTP mechanics the handlers share: conditional requests, byte ranges and
//! file responses, JSON and upload bodies.

pub mod conditional;
pub mod files;
pub mod json;
pub mod uploads;
