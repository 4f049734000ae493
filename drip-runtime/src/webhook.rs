//! TODO(webhook): filled by its owner.
