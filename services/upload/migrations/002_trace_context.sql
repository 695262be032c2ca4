-- The W3C trace context (traceparent, tracestate) of the RPC that opened the session:
-- later chunks and FinishUpload join that trace, so one upload is one trace
-- (observability/README.md, "One upload, one trace").
ALTER TABLE upload_sessions ADD COLUMN trace_context jsonb NOT NULL DEFAULT '{}'::jsonb;
