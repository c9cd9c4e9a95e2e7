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
	pairs_ = {}
	tid = tid or 1
	-- wrk runs with -t2: thread 1 takes the odd lines, thread 2 the even.
	for line in io.lines(os.getenv("BENCH_PROOFS")) do
		n = n + 1
		if n % 2 == tid % 2 then
			local t, p = line:match("^(%S+) (%S+)$")
			table.insert(pairs_, { t, p })
		end
	end
	i = 0
	method = os.getenv("BENCH_METHOD") or "GET"
	tenant = os.getenv("BENCH_TENANT")
	body = os.getenv("BENCH_BODY")
end

function request()
	i = i + 1
	local tp = pairs_[((i - 1) % #pairs_) + 1]
	local h = {
		["Authorization"] = "DPoP " .. tp[1],
		["DPoP"] = tp[2],
		["X-StellaOps-Tenant"] = tenant,
		["Content-Type"] = "application/json",
	}
	return wrk.format(method, nil, h, body)
end

function done(summary, latency, requests)
	io.write(string.format("non2xx %d\n", summary.errors.status))
end
