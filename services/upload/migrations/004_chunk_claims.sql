-- PutChunk sends a chunk to MinIO outside any transaction: first it claims
-- the part (a short transaction), then sends, then records it (another short
-- one). The claim keeps a second, different chunk from overwriting the same
-- part meanwhile; it lapses at writing_until if its writer died.
ALTER TABLE upload_sessions
  ADD COLUMN writing_part integer,
  ADD COLUMN writing_md5 text,
  ADD COLUMN writing_until timestamptz;
