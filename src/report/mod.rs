//! What a person reads and looks at after a run: the table beside the paper, and figures.
pub mod complexity_figure;
pub mod figures;
pub mod scores;
pub mod table;
