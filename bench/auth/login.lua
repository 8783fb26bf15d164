-- Password grant for one user (argon2id-bound). Set by bench/auth.sh: EMAIL, PASSWORD, APIKEY.
wrk.method = "POST"
wrk.path = "/auth/v1/token?grant_type=password"
wrk.headers["apikey"] = os.getenv("APIKEY")
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"email":"%s","password":"%s"}', os.getenv("EMAIL"), os.getenv("PASSWORD"))

function response(status, headers, body)
  if status ~= 200 then error("login failed with " .. status .. ": " .. body) end
end
