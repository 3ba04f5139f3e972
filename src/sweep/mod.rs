//! Sweeps: the same experiment over normal classes × models × seeds, as independent cells that a
//! local process pool, a Slurm job array or a Kubernetes Indexed Job can run, merged into tables of
//! mean ± sd over seeds (docs/scale-out.md).
pub mod below_chance;
pub mod cell;
pub mod command;
pub mod figures;
pub mod merge;
pub mod plan;
pub mod runner;
pub mod slurm;
pub mod status;
