import { basename } from "node:path";
import { TraceFormatError } from "../errors.js";
import { request } from "../request-columns.js";
import { countLines, sortByTime, type RequestColumns } from "../requests.js";
import { request as _unused } from "../request-columns.js";
