"""Validates a report against docs/report.schema.json, and checks that the schema has teeth:
broken copies of the same report (a missing required field, a float time, an unknown field,
another schema_version, a short histogram) must fail validation.

usage: validate_report.py SCHEMA REPORT
"""
import copy
import json
import sys

import jsonschema


def errors(validator, report):
    return [e.message for e in validator.iter_errors(report)]


def main():
    schema_path, report_path = sys.argv[1], sys.argv[2]
    with open(schema_path) as f:
        schema = json.load(f)
    with open(report_path) as f:
        report = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)

    problems = errors(validator, report)
    if problems:
        print(f"FAIL: {report_path} does not match the schema:", *problems, sep="\n  ")
        return 1
    if not report["processes"] or not report["processes"][0]["syscalls"]:
        print("FAIL: the sample report is too thin to test the schema")
        return 1

    def broken(what, change):
        bad = copy.deepcopy(report)
        change(bad)
        return what, bad

    process = lambda r: r["processes"][0]
    uring_index = next(i for i, p in enumerate(report["processes"]) if p["io_uring"])
    uring_op = lambda r: r["processes"][uring_index]["io_uring"][0]
    mux = next(i for i, s in enumerate(report["processes"][0]["syscalls"]) if "fds_asked" in s)
    cases = [
        broken("missing budget.wall_ns", lambda r: process(r)["budget"].pop("wall_ns")),
        broken("missing io_model", lambda r: process(r).pop("io_model")),
        broken("missing health", lambda r: r.pop("health")),
        broken("missing thread tid", lambda r: process(r)["threads"][0].pop("tid")),
        broken("float duration_ns", lambda r: r.update(duration_ns=1.5)),
        broken("negative wait_ns", lambda r: process(r)["syscalls"][0].update(wait_ns=-1)),
        broken("string count", lambda r: process(r)["syscalls"][0].update(count="3")),
        broken("unknown process field", lambda r: process(r).update(surprise=1)),
        broken("schema_version 1", lambda r: r.update(schema_version=1)),
        broken("missing command", lambda r: r.pop("command")),
        broken("a command with a string exit_code",
               lambda r: r.update(command={"pid": 7, "exit_code": "3", "signal": None,
                                           "stopped_by_iophase": False})),
        broken("missing timeline_userspace_drops",
               lambda r: r["health"].pop("timeline_userspace_drops")),
        broken("39-slot histogram", lambda r: process(r)["syscalls"][0]["hist_log2_ns"].pop()),
        broken("unknown label", lambda r: process(r)["io_model"].update(label="magic")),
        broken("fds_asked without fds_ready",
               lambda r: process(r)["syscalls"][mux].pop("fds_ready")),
        broken("bad started_at", lambda r: r.update(started_at="yesterday")),
        broken("missing signals", lambda r: process(r).pop("signals")),
        broken("io_uring op without lifetime_ns", lambda r: uring_op(r).pop("lifetime_ns")),
        broken("io_uring op with a float byte count", lambda r: uring_op(r).update(bytes=0.5)),
    ]
    failed = 0
    for what, bad in cases:
        if not errors(validator, bad):
            print(f"FAIL: schema accepts a report with {what}")
            failed += 1
    if failed:
        return 1
    print(f"ok: {report_path} validates; {len(cases)} broken variants rejected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
