-- wrk script for the API benchmark (tests/bench/api-bench.sh): every
-- request carries its own pre-minted DPoP proof (a unique jti, so the
-- replay store records each one), taken from the file named by the
-- environment variable BENCH_PROOFS ("TOKEN PROOF" per line), split
-- between the threads.  BENCH_METHOD (GET or POST), BENCH_TENANT and,
-- for POST, BENCH_BODY are read from the environment too.
local threads = {}
local counter = 0

function setup(thread)
	counter = counter + 1
	thread:set("tid", counter)
	table.insert(threads, thread)
end

function init(args)
	local n = 0
	local method = os.getenv("BENCH_METHOD") or "GET"
	local tenant = os.getenv("BENCH_TENANT")
	local body = os.getenv("BENCH_BODY")
	reqs = {}
	tid = tid or 1
	-- wrk runs with -t2: thread 1 takes the odd lines, thread 2 the even.
	-- Each request is formatted here, once, so that the measurement
	-- spends wrk's CPU (on the same cores as the server) on sending and
	-- reading, not on building headers in Lua.
	for line in io.lines(os.getenv("BENCH_PROOFS")) do
		n = n + 1
		if n % 2 == tid % 2 then
			local t, p = line:match("^(%S+) (%S+)$")
			table.insert(reqs, wrk.format(method, nil, {
				["Authorization"] = "DPoP " .. t,
				["DPoP"] = p,
				["X-StellaOps-Tenant"] = tenant,
				["Content-Type"] = "application/json",
			}, body))
		end
	end
	i = 0
end

function request()
	i = i + 1
	return reqs[((i - 1) % #reqs) + 1]
end

function done(summary, latency, requests)
	io.write(string.format("non2xx %d\n", summary.errors.status))
end
