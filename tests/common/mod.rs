//! Helpers shared by integration tests.
pub mod browser;
pub mod corpus;
pub mod git;
pub mod http;
pub mod one_file;
