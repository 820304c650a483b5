//! Helpers shared by integration tests.
pub(crate) mod browser;
pub(crate) mod corpus;
pub(crate) mod git;
pub(crate) mod http;
pub(crate) mod one_file;
