//! Where results live on disk: atomic writes, directory locks, and the layout of run and sweep
//! directories (every file name, in one place).
pub mod atomic;
pub mod checkpoint;
pub mod layout;
pub mod lock;
pub mod run_dir;
