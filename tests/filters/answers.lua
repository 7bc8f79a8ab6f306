-- For tests/filters/make.sh: evaluates every display filter of the file named by
-- LAYERSCOPE_FILTERS (one per line) in one pass over the capture, one tap per filter, and
-- prints for each the filter, a tab, and the frames it matched with runs joined
-- (1,2,5,6,7 -> 1-2,5-7). The same filter engine as -Y, one read of the file.
local filters = {}
for line in io.lines(os.getenv("LAYERSCOPE_FILTERS")) do
  filters[#filters + 1] = line
end
local hits = {}
local printed = false

local function runs(frames)
  local out, s, p = {}, nil, nil
  for _, n in ipairs(frames) do
    if s == nil then
      s, p = n, n
    elseif n == p + 1 then
      p = n
    elseif n ~= p then
      out[#out + 1] = (s == p) and tostring(s) or (s .. "-" .. p)
      s, p = n, n
    end
  end
  if s ~= nil then out[#out + 1] = (s == p) and tostring(s) or (s .. "-" .. p) end
  return table.concat(out, ",")
end

local function print_all()
  if printed then return end
  printed = true
  for i, f in ipairs(filters) do
    table.sort(hits[i])
    io.write(f, "\t", runs(hits[i]), "\n")
  end
end

for i, f in ipairs(filters) do
  hits[i] = {}
  local tap = Listener.new(nil, f)
  function tap.packet(pinfo)
    local h = hits[i]
    h[#h + 1] = pinfo.number
  end
  function tap.draw()
    print_all()
  end
end
