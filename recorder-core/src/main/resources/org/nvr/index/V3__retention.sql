-- Rows that are not plain closed footage (a segment being written, or half deleted by retention) are
-- few; this partial index lets startup reconciliation find them without reading every row.
CREATE INDEX segments_unfinished ON segments (state) WHERE state != 'closed';
