//! Sherpa widget.
