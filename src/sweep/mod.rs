//! Sweeps: the same experiment over normal classes × models × seeds, as independent cells that a
//! local process pool or a Slurm job array can run, merged into mean ± sd over seeds
//! (docs/scale-out.md); and the one verified reader of finished results ([`source`]).
pub mod below_chance;
pub mod best;
pub mod cell;
pub mod merge;
pub mod plan;
pub mod runner;
pub mod seeds;
pub mod selection;
pub mod slurm;
pub mod source;
pub mod status;
pub mod summary;
pub mod variants;
