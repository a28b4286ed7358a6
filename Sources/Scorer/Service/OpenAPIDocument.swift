/// The HTTP API as an OpenAPI 3.0 document, served at `GET /openapi.yaml` (no token). It is
/// kept beside the routes it describes (`ScorerRoutes`, `ScorerRoutes+Decisions`) and
/// embedded in the binary, so the document a scorer serves is the one it was built with;
/// `OpenAPIDocumentTests` checks that every route is in it.
enum OpenAPIDocument {
    static let yaml = #"""
        openapi: 3.0.3
        info:
          title: Headroom scorer
          version: "1"
          description: >
            Ingest of sample batches, risk and forecasts per workload, the decision journal, and the
            agents' command channel (README "Scoring, deciding and replaying", docs/security.md).
            Every endpoint but /healthz, /metrics and /openapi.yaml needs a bearer token whose role
            allows it: operator (everything), agent (its own POPs only), reader (the GET API).
        components:
          securitySchemes:
            bearer:
              type: http
              scheme: bearer
          schemas:
            Error:
              type: object
              required: [error]
              properties:
                error:
                  type: object
                  required: [message]
                  properties:
                    message: {type: string}
                    field: {type: string, description: "for an InputRules violation: samples[i].field or traces[i].field"}
                    index: {type: integer}
                    workload: {type: string}
                    expected: {type: string}
                    found: {type: string}
            Resources:
              type: object
              additionalProperties: false
              description: SI values by resource; absent = not measured.
              properties:
                cpu_cores: {type: number, minimum: 0, maximum: 1000000}
                memory_bytes: {type: number, minimum: 0, maximum: 1125899906842624}
                disk_read_bytes_per_second: {type: number, minimum: 0, maximum: 10000000000000}
                disk_write_bytes_per_second: {type: number, minimum: 0, maximum: 10000000000000}
                network_receive_bytes_per_second: {type: number, minimum: 0, maximum: 10000000000000}
                network_transmit_bytes_per_second: {type: number, minimum: 0, maximum: 10000000000000}
            WorkloadName:
              type: string
              minLength: 1
              maxLength: 253
              pattern: "^[^\\x00-\\x1f\\x7f-\\x9f]+$"
              description: at most 253 UTF-8 bytes, no control characters, not starting with U+FEFF
            Sample:
              type: object
              required: [workload, timestamp]
              additionalProperties: false
              properties:
                workload: {$ref: "#/components/schemas/WorkloadName"}
                timestamp: {type: integer, minimum: 0, maximum: 4102444799, description: "Unix seconds, at most one day after the scorer's clock"}
                cpu_cores: {type: number, nullable: true, minimum: 0, maximum: 1000000}
                memory_bytes: {type: number, nullable: true, minimum: 0, maximum: 1125899906842624}
                disk_read_bytes_per_second: {type: number, nullable: true, minimum: 0, maximum: 10000000000000}
                disk_write_bytes_per_second: {type: number, nullable: true, minimum: 0, maximum: 10000000000000}
                network_receive_bytes_per_second: {type: number, nullable: true, minimum: 0, maximum: 10000000000000}
                network_transmit_bytes_per_second: {type: number, nullable: true, minimum: 0, maximum: 10000000000000}
            TraceEvent:
              type: object
              required: [workload, timestamp, kind, name]
              additionalProperties: false
              properties:
                workload: {$ref: "#/components/schemas/WorkloadName"}
                timestamp: {type: number, minimum: 0, maximum: 4102444799, description: "Unix seconds, fractions allowed, at most one day after the scorer's clock"}
                kind: {type: string, enum: [span_start, span_end, phase, loop, state, syscall, wchan]}
                name: {type: string, minLength: 1, maxLength: 256}
                value: {type: number, nullable: true}
                attributes:
                  type: object
                  nullable: true
                  maxProperties: 32
                  additionalProperties:
                    nullable: true
                    oneOf: [{type: string}, {type: number}, {type: boolean}]
            SampleBatch:
              type: object
              required: [samples]
              additionalProperties: false
              description: >
                Beyond this schema (400 otherwise): allocations, checkpoints and live_migratable need pop and name only
                workloads with a sample in the batch; pop must be a POP of the fleet file.
              properties:
                pop: {type: string, nullable: true, minLength: 1, description: "the reporting agent's POP (needed for allocations and checkpoints)"}
                samples: {type: array, maxItems: 10000, items: {$ref: "#/components/schemas/Sample"}}
                allocations: {type: object, nullable: true, additionalProperties: {$ref: "#/components/schemas/Resources"}}
                checkpoints: {type: object, nullable: true, additionalProperties: {type: integer, minimum: 0, maximum: 4102444799}}
                live_migratable: {type: array, nullable: true, items: {type: string}, description: "workloads of the batch the agent moves live (its VMs)"}
                traces: {type: array, nullable: true, maxItems: 10000, items: {$ref: "#/components/schemas/TraceEvent"}}
            IngestResult:
              type: object
              required: [accepted, duplicates, new_workloads, scored, placed, traces, decisions]
              properties:
                accepted: {type: integer}
                duplicates: {type: integer}
                new_workloads: {type: integer}
                scored: {type: integer}
                placed: {type: integer}
                traces: {type: integer}
                decisions: {type: integer}
            Health:
              type: object
              required: [status, model_version, workloads, dry_run, model, store]
              properties:
                status: {type: string, enum: [ok, degraded, unhealthy]}
                shard: {type: string, description: "i/n of a sharded scorer (serve --shard); absent otherwise"}
                model_version: {type: string, nullable: true}
                workloads: {type: integer}
                dry_run: {type: boolean}
                model:
                  type: object
                  properties:
                    serving: {type: string, nullable: true}
                    promoted: {type: string, nullable: true}
                    reason: {type: string}
                    refused:
                      type: array
                      items: {type: object, properties: {version: {type: string}, reason: {type: string}}}
                store:
                  type: object
                  properties:
                    path: {type: string, nullable: true}
                    healthy: {type: boolean}
                    error: {type: string}
                    during: {type: string}
                    since: {type: integer}
                    failures: {type: integer}
          responses:
            BadRequest: {description: "malformed, or a field InputRules refuses", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            Unauthorized: {description: "no token, or an unknown one", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            Forbidden: {description: "the token's role does not allow it", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            NotFound: {description: "unknown workload, POP or command", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            TooLarge: {description: "body, samples or trace events over the limit", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            Unavailable: {description: "the store failed; retry later", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
            Misdirected:
              description: "a sharded scorer (serve --shard): another shard's scorer owns these workloads; nothing written"
              content:
                application/json:
                  schema:
                    type: object
                    required: [error, shard, owners]
                    properties:
                      error: {type: object, properties: {message: {type: string}}}
                      shard: {type: string, description: "this scorer's shard, i/n"}
                      owners:
                        type: array
                        items:
                          type: object
                          required: [shard, workloads]
                          properties:
                            shard: {type: integer}
                            url: {type: string, nullable: true}
                            workloads: {type: array, items: {type: string}}
          parameters:
            pop: {name: pop, in: path, required: true, schema: {type: string}}
        security:
          - bearer: []
        paths:
          /healthz:
            get:
              security: []
              responses:
                "200": {description: "ok or degraded", content: {application/json: {schema: {$ref: "#/components/schemas/Health"}}}}
                "503": {description: "the store fails", content: {application/json: {schema: {$ref: "#/components/schemas/Health"}}}}
          /metrics:
            get:
              security: []
              responses:
                "200": {description: Prometheus text format, content: {text/plain: {schema: {type: string}}}}
          /openapi.yaml:
            get:
              security: []
              responses:
                "200": {description: this document, content: {application/yaml: {schema: {type: object}}}}
          /v1/samples:
            post:
              description: operator, or the agent of the batch's pop (for workloads at its POPs)
              requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/SampleBatch"}}}}
              responses:
                "200": {description: written and scored, content: {application/json: {schema: {$ref: "#/components/schemas/IngestResult"}}}}
                "400": {$ref: "#/components/responses/BadRequest"}
                "401": {$ref: "#/components/responses/Unauthorized"}
                "403": {$ref: "#/components/responses/Forbidden"}
                "413": {$ref: "#/components/responses/TooLarge"}
                "421": {$ref: "#/components/responses/Misdirected"}
                "429": {description: "it would create workloads past --max-workloads", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
                "503": {$ref: "#/components/responses/Unavailable"}
          /v1/workloads/{name}/risk:
            get:
              description: reader or operator
              parameters: [{name: name, in: path, required: true, schema: {type: string}}]
              responses:
                "200": {description: the latest score, content: {application/json: {schema: {type: object}}}}
                "401": {$ref: "#/components/responses/Unauthorized"}
                "403": {$ref: "#/components/responses/Forbidden"}
                "404": {$ref: "#/components/responses/NotFound"}
                "421": {$ref: "#/components/responses/Misdirected"}
          /v1/workloads/{name}/forecast:
            get:
              description: reader or operator
              parameters: [{name: name, in: path, required: true, schema: {type: string}}]
              responses:
                "200": {description: quantiles per resource and step, content: {application/json: {schema: {type: object}}}}
                "401": {$ref: "#/components/responses/Unauthorized"}
                "403": {$ref: "#/components/responses/Forbidden"}
                "404": {$ref: "#/components/responses/NotFound"}
                "421": {$ref: "#/components/responses/Misdirected"}
          /v1/decisions:
            get:
              description: reader or operator
              parameters:
                - {name: workload, in: query, required: false, schema: {type: string}}
                - {name: limit, in: query, required: false, schema: {type: integer, minimum: 1, maximum: 1000, default: 100}}
              responses:
                "200": {description: journaled decisions newest first, content: {application/json: {schema: {type: object, properties: {decisions: {type: array, items: {type: object}}}}}}}
                "400": {$ref: "#/components/responses/BadRequest"}
                "401": {$ref: "#/components/responses/Unauthorized"}
                "403": {$ref: "#/components/responses/Forbidden"}
                "503": {$ref: "#/components/responses/Unavailable"}
          /v1/agents/{pop}/heartbeat:
            post:
              description: operator, or the agent of pop
              parameters: [{$ref: "#/components/parameters/pop"}]
              responses:
                "200": {description: recorded, content: {application/json: {schema: {type: object, properties: {pop: {type: string}, last_seen: {type: integer, nullable: true}}}}}}
                "401": {$ref: "#/components/responses/Unauthorized"}
                "403": {$ref: "#/components/responses/Forbidden"}
                "404": {$ref: "#/components/responses/NotFound"}
                "503": {$ref: "#/components/responses/Unavailable"}
          /v1/agents/{pop}/commands:
            get:
              description: operator, or the agent of pop
              parameters: [{$ref: "#/components/parameters/pop"}]
              responses:
                "200": {description: pending and running commands, oldest first, content: {application/json: {schema: {type: object, properties: {pop: {type: string}, commands: {type: array, items: {type: object}}}}}}}
                "401": {$ref: "#/components/responses/Unauthorized"}
                "403": {$ref: "#/components/responses/Forbidden"}
                "404": {$ref: "#/components/responses/NotFound"}
                "503": {$ref: "#/components/responses/Unavailable"}
          /v1/agents/{pop}/commands/{id}:
            post:
              description: operator, or the agent of pop
              parameters: [{$ref: "#/components/parameters/pop"}, {name: id, in: path, required: true, schema: {type: integer}}]
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      required: [state]
                      additionalProperties: false
                      properties:
                        state: {type: string, enum: [running, done, failed]}
                        steps: {type: array, items: {type: string}}
                        moved_bytes: {type: number, minimum: 0}
                        downtime_ms: {type: number, minimum: 0}
                        progress:
                          description: a VM live migration's counters (QEMU query-migrate), kept with the command while it runs
                          type: object
                          additionalProperties: false
                          required: [transferred_bytes, remaining_bytes, total_bytes, dirty_bytes_per_second, rounds]
                          properties:
                            transferred_bytes: {type: number, minimum: 0}
                            remaining_bytes: {type: number, minimum: 0}
                            total_bytes: {type: number, minimum: 0}
                            dirty_bytes_per_second: {type: number, minimum: 0}
                            rounds: {type: number, minimum: 0}
              responses:
                "200": {description: the command, content: {application/json: {schema: {type: object}}}}
                "400": {$ref: "#/components/responses/BadRequest"}
                "401": {$ref: "#/components/responses/Unauthorized"}
                "403": {$ref: "#/components/responses/Forbidden"}
                "404": {$ref: "#/components/responses/NotFound"}
                "409": {description: a transition that is not allowed, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
                "413": {$ref: "#/components/responses/TooLarge"}
                "421": {$ref: "#/components/responses/Misdirected"}
                "503": {$ref: "#/components/responses/Unavailable"}
          /v1/pops/{pop}/status:
            post:
              description: operator; the agent of pop for itself
              parameters: [{$ref: "#/components/parameters/pop"}]
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {type: object, required: [down], additionalProperties: false, properties: {down: {type: boolean}}}
              responses:
                "200": {description: marked, content: {application/json: {schema: {type: object}}}}
                "400": {$ref: "#/components/responses/BadRequest"}
                "401": {$ref: "#/components/responses/Unauthorized"}
                "403": {$ref: "#/components/responses/Forbidden"}
                "404": {$ref: "#/components/responses/NotFound"}
                "413": {$ref: "#/components/responses/TooLarge"}
                "503": {$ref: "#/components/responses/Unavailable"}
          /api/v1/write:
            post:
              description: >
                Prometheus remote write 1.0 (operator; an agent for its POPs): a snappy-compressed
                protobuf prometheus.WriteRequest with Content-Encoding snappy and
                X-Prometheus-Remote-Write-Version 0.1.0, mapped to workloads by --prometheus-mapping
                (docs/prometheus.md); 2.0 (io.prometheus.write.v2.Request) by its Content-Type
                application/x-protobuf;proto=io.prometheus.write.v2.Request, answered with the
                X-Prometheus-Remote-Write-*-Written headers. 4xx answers are never worth a retry; 503 is.
              requestBody:
                required: true
                content:
                  application/x-protobuf:
                    schema: {type: string, format: binary}
              responses:
                "200": {description: every row written, content: {application/json: {schema: {type: object}}}}
                "400": {$ref: "#/components/responses/BadRequest"}
                "401": {$ref: "#/components/responses/Unauthorized"}
                "403": {$ref: "#/components/responses/Forbidden"}
                "404": {$ref: "#/components/responses/NotFound"}
                "413": {$ref: "#/components/responses/TooLarge"}
                "415": {description: a content type or encoding not read here, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
                "429": {description: the workload cap, content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
                "503": {$ref: "#/components/responses/Unavailable"}
        """#
}
