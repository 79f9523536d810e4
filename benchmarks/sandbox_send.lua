-- wrk script for benchmarks/sandbox_send.py: POST /v1/send-sms/json, one recipient, a unique text each time
-- (an identical text to the same number within 10 minutes would be refused with 451).
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  key = os.getenv("ILETI_BENCH_KEY")
  hash = os.getenv("ILETI_BENCH_HASH")
  sender = os.getenv("ILETI_BENCH_SENDER")
  run = os.getenv("ILETI_BENCH_RUN") or "0"
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"request":{"authentication":{"key":"%s","hash":"%s"},"order":{"sender":"%s","iys":"0",' ..
    '"message":{"text":"bench %s-%d-%d","receipents":{"number":["5301234567"]}}}}}',
    key, hash, sender, run, id, counter)
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, errors.status, errors.connect, errors.read, errors.write, errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
