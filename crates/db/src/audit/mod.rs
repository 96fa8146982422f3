//! The audit trail: the event store every change appends to in its own
//! transaction, the trail read back, and the read models projected from it.

pub(crate) mod projections;
pub(crate) mod store;
pub(crate) mod trail;
