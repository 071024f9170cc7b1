-- wrk script: POST with an empty body (the route counts it as by = 1); at the end one line
-- "WRK_JSON {...}" with what scripts/bench-gossip/http-incr.ts needs.
wrk.method = "POST"
wrk.body = ""

done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		'WRK_JSON {"requests":%d,"durationUs":%d,"non2xx":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"p50Us":%d,"p99Us":%d}\n',
		summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
		latency:percentile(50), latency:percentile(99)))
end
