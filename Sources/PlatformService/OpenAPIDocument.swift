/// The service's API as an OpenAPI 3.1 document, served at `GET /openapi.json`.
/// `OpenAPITests` checks that every route of the router is in it (method and path) and every
/// operation in it is routed, so the two cannot drift apart.
public enum OpenAPIDocument {
    /// The document's JSON text.
    public static let json = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "PrivacyKernel platform service",
            "version": "1.0.0",
            "description": "The enclave as a server: it alone holds the registered datasets and the ledger, and answers principals only with what the release gate releases. Every route but /v1/health, /openapi.json and /metrics needs a signed request (security scheme PrivacyKernelSignature). Refusals are JSON {error, message}; a dataset or authorisation the caller may not use is 404 not-found whether or not it exists."
          },
          "servers": [
            {
              "url": "http://127.0.0.1:8723"
            }
          ],
          "security": [
            {
              "PrivacyKernelSignature": []
            }
          ],
          "paths": {
            "/v1/health": {
              "get": {
                "operationId": "health",
                "summary": "Liveness (no signature).",
                "security": [],
                "responses": {
                  "200": {
                    "description": "The service runs.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "properties": {
                            "status": {
                              "const": "ok"
                            }
                          },
                          "required": [
                            "status"
                          ]
                        }
                      }
                    }
                  }
                }
              }
            },
            "/openapi.json": {
              "get": {
                "operationId": "openapi",
                "summary": "This document (no signature).",
                "security": [],
                "responses": {
                  "200": {
                    "description": "The OpenAPI 3.1 document.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/metrics": {
              "get": {
                "operationId": "metrics",
                "summary": "Request counters and durations in Prometheus text format (no signature; no data).",
                "security": [],
                "responses": {
                  "200": {
                    "description": "Prometheus exposition format 0.0.4.",
                    "content": {
                      "text/plain": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/v1/whoami": {
              "get": {
                "operationId": "whoami",
                "summary": "The principal that signed and its roles.",
                "responses": {
                  "200": {
                    "description": "The caller.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Principal"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "409": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  },
                  "500": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/v1/datasets": {
              "get": {
                "operationId": "listDatasets",
                "summary": "Registered datasets the caller may see: digest and schema only (stewards, reviewers and regulators: all; operators: those their authorisations name).",
                "responses": {
                  "200": {
                    "description": "Datasets.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "array",
                          "items": {
                            "$ref": "#/components/schemas/Dataset"
                          }
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "409": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  },
                  "500": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/v1/datasets/{name}": {
              "put": {
                "operationId": "uploadDataset",
                "summary": "A steward uploads a CSV file as dataset NAME (registered with its SHA-256; a new upload replaces the file and records the new digest). Afterwards only the digest and the schema are visible.",
                "parameters": [
                  {
                    "name": "name",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$"
                    }
                  },
                  {
                    "name": "level",
                    "in": "query",
                    "required": false,
                    "description": "Classification level of new columns (default 2).",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 4
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "text/csv": {
                      "schema": {
                        "type": "string"
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "Registered.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Dataset"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "409": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  },
                  "500": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/v1/datasets/{name}/columns/{column}": {
              "patch": {
                "operationId": "changeColumn",
                "summary": "A steward classifies a column or declares its role.",
                "parameters": [
                  {
                    "name": "name",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "column",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "additionalProperties": false,
                        "properties": {
                          "level": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": 4
                          },
                          "role": {
                            "enum": [
                              "none",
                              "quasi-identifier",
                              "sensitive",
                              "identifier"
                            ]
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The dataset.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Dataset"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "409": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  },
                  "500": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/v1/authorisations": {
              "get": {
                "operationId": "listAuthorisations",
                "summary": "Authorisations with their budgets (reviewers and regulators: all; operators: their own).",
                "responses": {
                  "200": {
                    "description": "Authorisations.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "array",
                          "items": {
                            "$ref": "#/components/schemas/Authorisation"
                          }
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "409": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  },
                  "500": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              },
              "post": {
                "operationId": "grant",
                "summary": "A reviewer grants an operator one scenario on a registered dataset within a budget (epsilon, epsilon+delta, or rho).",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/GrantRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "Granted.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Authorisation"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "409": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  },
                  "500": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/v1/authorisations/{id}/{action}": {
              "post": {
                "operationId": "changeAuthorisationStatus",
                "summary": "A reviewer suspends, resumes or terminates an authorisation (terminate deletes the operator's exported files).",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "integer"
                    }
                  },
                  {
                    "name": "action",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "enum": [
                        "suspend",
                        "resume",
                        "terminate"
                      ]
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": [
                          "reason"
                        ],
                        "properties": {
                          "reason": {
                            "type": "string"
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The authorisation after the change.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Authorisation"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "409": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  },
                  "500": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/v1/releases": {
              "post": {
                "operationId": "release",
                "summary": "An operator releases a DP statistic of a dataset under its authorisation for the scenario; the budget is charged durably before the noise is drawn. The answer is the JSON of `privacy-kernel dp --json`.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/ReleaseRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The release.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Release"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "409": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  },
                  "500": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              },
              "get": {
                "operationId": "listReleases",
                "summary": "Releases on record (operators: their own; reviewers and regulators: all).",
                "responses": {
                  "200": {
                    "description": "Releases.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "array",
                          "items": {
                            "$ref": "#/components/schemas/ReleaseLine"
                          }
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "409": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  },
                  "500": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/v1/models": {
              "post": {
                "operationId": "fitModel",
                "summary": "An operator fits a DP linear or logistic regression of a dataset's label on its features under its authorisation (computation form); the charge is committed before any noise is drawn; the answer is the coefficients.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/ModelRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The model.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Model"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "409": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  },
                  "500": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/v1/scenarios/{kind}/views": {
              "post": {
                "operationId": "registerScenarioViews",
                "summary": "A steward registers the views a scenario model reads from a dataset (levels only raised), for a reviewer to grant as NAME#SCENARIO.",
                "parameters": [
                  {
                    "name": "kind",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "enum": [
                        "transport",
                        "health",
                        "finance",
                        "commerce",
                        "market",
                        "tourism"
                      ]
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": [
                          "dataset"
                        ],
                        "properties": {
                          "dataset": {
                            "type": "string"
                          },
                          "hotels": {
                            "type": "string",
                            "description": "Tourism: the hotel-stay dataset."
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "The registered views.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "array",
                          "items": {
                            "type": "object",
                            "properties": {
                              "dataset": {
                                "type": "string"
                              },
                              "columns": {
                                "type": "array",
                                "items": {
                                  "type": "object",
                                  "properties": {
                                    "name": {
                                      "type": "string"
                                    },
                                    "level": {
                                      "type": "integer"
                                    }
                                  }
                                }
                              },
                              "authorisation_suffix": {
                                "type": "string"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "409": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  },
                  "500": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/v1/scenarios/{kind}/runs": {
              "post": {
                "operationId": "runScenario",
                "summary": "An operator runs a scenario model under its authorisation over the scenario's view; every release and export goes through the gates; the answer is the report (released values only).",
                "parameters": [
                  {
                    "name": "kind",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "enum": [
                        "transport",
                        "health",
                        "finance",
                        "commerce",
                        "market",
                        "tourism"
                      ]
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": [
                          "dataset",
                          "authorisation"
                        ],
                        "properties": {
                          "dataset": {
                            "type": "string"
                          },
                          "hotels": {
                            "type": "string"
                          },
                          "authorisation": {
                            "type": "string",
                            "description": "The scenario name of the authorisation a reviewer granted."
                          },
                          "epsilon": {
                            "type": "number",
                            "exclusiveMinimum": 0
                          },
                          "delta": {
                            "type": "number",
                            "exclusiveMinimum": 0,
                            "exclusiveMaximum": 1
                          },
                          "k": {
                            "type": "integer",
                            "minimum": 2
                          },
                          "post_processing": {
                            "type": "boolean"
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The scenario's report (report.json).",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "409": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  },
                  "500": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/v1/secagg/sessions": {
              "post": {
                "operationId": "startSecAggSession",
                "summary": "A steward (a department) has the service run the server of a secure-aggregation session (the TCP protocol of privacy-kernel secagg): the parties connect to the port answered. Recorded (secagg-session).",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": [
                          "session"
                        ],
                        "properties": {
                          "session": {
                            "type": "object",
                            "description": "The session description, as privacy-kernel secagg session --out writes it."
                          },
                          "join_timeout": {
                            "type": "number",
                            "exclusiveMinimum": 0,
                            "maximum": 600
                          },
                          "round_timeout": {
                            "type": "number",
                            "exclusiveMinimum": 0,
                            "maximum": 600
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "The server listens.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/SecAggSession"
                        }
                      }
                    }
                  },
                  "429": {
                    "$ref": "#/components/responses/Error"
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "409": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  },
                  "500": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/v1/secagg/sessions/{id}": {
              "get": {
                "operationId": "secAggSession",
                "summary": "A session's state (running, finished, failed); the total only to the steward that started it.",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The session.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/SecAggSession"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "409": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  },
                  "500": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/v1/exports": {
              "post": {
                "operationId": "export",
                "summary": "An operator exports a dataset generalised with ARX hierarchies to meet k (and distinct l / equal-distance t of a sensitive attribute) through the export gate, which checks k over every quasi-identifier the steward declared. The file lands in the export area; the answer is only what the gate released (file, levels, digest, size).",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/ExportRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "Exported.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Export"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "409": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  },
                  "500": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/v1/exports/{name}": {
              "get": {
                "operationId": "downloadExport",
                "summary": "The operator that made an export downloads it, once (recorded; a second request is 410).",
                "parameters": [
                  {
                    "name": "name",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The exported CSV.",
                    "content": {
                      "text/csv": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "410": {
                    "$ref": "#/components/responses/Error"
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "409": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  },
                  "500": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/v1/console/sessions": {
              "post": {
                "operationId": "consoleSession",
                "summary": "A reviewer or regulator asks for a one-time login link to the web console (valid 60 s; the session it opens lasts 30 minutes and only reads).",
                "responses": {
                  "201": {
                    "description": "The login link.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "login",
                            "expires_in"
                          ],
                          "properties": {
                            "login": {
                              "type": "string"
                            },
                            "expires_in": {
                              "type": "integer"
                            }
                          }
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "409": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  },
                  "500": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/console/login": {
              "get": {
                "operationId": "consoleLogin",
                "summary": "Redeems a login link (once) and sets the console's session cookie.",
                "security": [],
                "parameters": [
                  {
                    "name": "token",
                    "in": "query",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "303": {
                    "description": "To /console, with Set-Cookie pk_console (HttpOnly, SameSite=Strict, Path=/console)."
                  },
                  "401": {
                    "description": "Unknown, used or expired link: the login page.",
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/console": {
              "get": {
                "operationId": "consoleAuthorisations",
                "summary": "Console: authorisations with budget gauges and standing.",
                "security": [
                  {
                    "ConsoleSession": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The page.",
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "No live console session: the login page.",
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/console/audit": {
              "get": {
                "operationId": "consoleAudit",
                "summary": "Console: the audit chain's verification and its latest entries.",
                "security": [
                  {
                    "ConsoleSession": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The page.",
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "No live console session: the login page.",
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/console/refusals": {
              "get": {
                "operationId": "consoleRefusals",
                "summary": "Console: refusals per day and by rule.",
                "security": [
                  {
                    "ConsoleSession": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The page.",
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "No live console session: the login page.",
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/console/exports": {
              "get": {
                "operationId": "consoleExports",
                "summary": "Console: exports and whether they were handed over.",
                "security": [
                  {
                    "ConsoleSession": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The page.",
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "No live console session: the login page.",
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/console/reports": {
              "get": {
                "operationId": "consoleReports",
                "summary": "Console: links to each operator's security report and the operation report.",
                "security": [
                  {
                    "ConsoleSession": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The page.",
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "No live console session: the login page.",
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/console/reports/{kind}": {
              "get": {
                "operationId": "consoleReport",
                "summary": "Console: a report as HTML with charts.",
                "security": [
                  {
                    "ConsoleSession": []
                  }
                ],
                "parameters": [
                  {
                    "name": "kind",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "enum": [
                        "security",
                        "operation"
                      ]
                    }
                  },
                  {
                    "name": "period",
                    "in": "query",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "operator",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The report.",
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "No live console session: the login page.",
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/v1/audit": {
              "get": {
                "operationId": "audit",
                "summary": "Verification of the audit log: hash chain, every entry's signature, recorded state (reviewers and regulators).",
                "responses": {
                  "200": {
                    "description": "The verification.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/AuditVerification"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "409": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  },
                  "500": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/v1/reports/{kind}": {
              "get": {
                "operationId": "report",
                "summary": "The semi-annual security report of an operator (the regulator, or the operator itself) or the annual operation report (the regulator), as JSON or HTML with charts.",
                "parameters": [
                  {
                    "name": "kind",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "enum": [
                        "security",
                        "operation"
                      ]
                    }
                  },
                  {
                    "name": "period",
                    "in": "query",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[0-9]{4}(H[12])?$"
                    }
                  },
                  {
                    "name": "operator",
                    "in": "query",
                    "required": false,
                    "description": "The operator (security reports).",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "format",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "enum": [
                        "json",
                        "html"
                      ]
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The report.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      },
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "409": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  },
                  "500": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            }
          },
          "components": {
            "securitySchemes": {
              "ConsoleSession": {
                "type": "apiKey",
                "in": "cookie",
                "name": "pk_console",
                "description": "The web console's session (from GET /console/login)."
              },
              "PrivacyKernelSignature": {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "PrivacyKernel principal=\"NAME\", timestamp=\"UNIX SECONDS\", nonce=\"BASE64 16 BYTES\", signature=\"BASE64 ED25519\": the signature is over the lines 'privacy-kernel request v1', METHOD, PATH (with query), hex SHA-256 of the body, principal, timestamp, nonce (joined by \\n). Refused (401) when the signature does not verify with the principal's registered key, the timestamp is more than 300 s off, or the nonce was used before."
              }
            },
            "responses": {
              "Error": {
                "description": "A refusal, naming its rule.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              }
            },
            "schemas": {
              "Error": {
                "type": "object",
                "required": [
                  "error",
                  "message"
                ],
                "properties": {
                  "error": {
                    "type": "string",
                    "description": "The rule: unauthenticated, role-not-held, not-found, budget-exhausted, suspended, …"
                  },
                  "message": {
                    "type": "string"
                  }
                }
              },
              "Principal": {
                "type": "object",
                "required": [
                  "name",
                  "roles"
                ],
                "properties": {
                  "name": {
                    "type": "string"
                  },
                  "roles": {
                    "type": "array",
                    "items": {
                      "enum": [
                        "steward",
                        "reviewer",
                        "operator",
                        "regulator",
                        "platform"
                      ]
                    }
                  }
                }
              },
              "Dataset": {
                "type": "object",
                "required": [
                  "name",
                  "columns"
                ],
                "properties": {
                  "name": {
                    "type": "string"
                  },
                  "sha256": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "columns": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": [
                        "name",
                        "level",
                        "role"
                      ],
                      "properties": {
                        "name": {
                          "type": "string"
                        },
                        "level": {
                          "type": "integer"
                        },
                        "role": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              },
              "GrantRequest": {
                "type": "object",
                "additionalProperties": false,
                "required": [
                  "operator",
                  "scenario",
                  "dataset"
                ],
                "properties": {
                  "operator": {
                    "type": "string"
                  },
                  "scenario": {
                    "type": "string"
                  },
                  "dataset": {
                    "type": "string"
                  },
                  "columns": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "epsilon": {
                    "type": "number",
                    "exclusiveMinimum": 0
                  },
                  "delta": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "exclusiveMaximum": 1
                  },
                  "rho": {
                    "type": "number",
                    "exclusiveMinimum": 0
                  },
                  "accounting": {
                    "enum": [
                      "basic",
                      "advanced",
                      "zCDP",
                      "rdp",
                      "pld"
                    ]
                  },
                  "valid_days": {
                    "type": "integer",
                    "minimum": 1
                  },
                  "trial_days": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "forms": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  }
                }
              },
              "Authorisation": {
                "type": "object",
                "required": [
                  "id",
                  "operator",
                  "scenario",
                  "dataset",
                  "columns",
                  "budget",
                  "accounting",
                  "total",
                  "spent",
                  "remaining",
                  "status",
                  "valid_from",
                  "trial_until",
                  "valid_to"
                ],
                "properties": {
                  "id": {
                    "type": "integer"
                  },
                  "operator": {
                    "type": "string"
                  },
                  "scenario": {
                    "type": "string"
                  },
                  "dataset": {
                    "type": "string"
                  },
                  "columns": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "budget": {
                    "type": "string"
                  },
                  "accounting": {
                    "type": "string"
                  },
                  "total": {
                    "type": "number"
                  },
                  "spent": {
                    "type": "number"
                  },
                  "remaining": {
                    "type": "number"
                  },
                  "status": {
                    "enum": [
                      "active",
                      "suspended",
                      "terminated"
                    ]
                  },
                  "valid_from": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "trial_until": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "valid_to": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "forms": {
                    "type": [
                      "array",
                      "null"
                    ],
                    "items": {
                      "type": "string"
                    }
                  }
                }
              },
              "ReleaseRequest": {
                "type": "object",
                "additionalProperties": false,
                "required": [
                  "scenario",
                  "dataset",
                  "statistic"
                ],
                "properties": {
                  "scenario": {
                    "type": "string"
                  },
                  "dataset": {
                    "type": "string"
                  },
                  "statistic": {
                    "enum": [
                      "count",
                      "sum",
                      "mean",
                      "variance",
                      "standard-deviation",
                      "quantiles",
                      "histogram"
                    ]
                  },
                  "column": {
                    "type": "string"
                  },
                  "lower": {
                    "type": "number"
                  },
                  "upper": {
                    "type": "number"
                  },
                  "group_by": {
                    "type": "string"
                  },
                  "keys": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "select_partitions": {
                    "type": "boolean"
                  },
                  "privacy_unit": {
                    "type": "string"
                  },
                  "max_partitions_per_unit": {
                    "type": "integer",
                    "minimum": 1
                  },
                  "max_contributions_per_partition": {
                    "type": "integer",
                    "minimum": 1
                  },
                  "quantile_levels": {
                    "type": "array",
                    "items": {
                      "type": "number",
                      "minimum": 0,
                      "maximum": 1
                    }
                  },
                  "histogram_bins": {
                    "type": "integer",
                    "minimum": 1
                  },
                  "non_finite_values": {
                    "enum": [
                      "refuse",
                      "clamp",
                      "drop"
                    ]
                  },
                  "mechanism": {
                    "enum": [
                      "laplace",
                      "gaussian",
                      "discrete-laplace",
                      "discrete-gaussian"
                    ]
                  },
                  "epsilon": {
                    "type": "number",
                    "exclusiveMinimum": 0
                  },
                  "delta": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "exclusiveMaximum": 1
                  },
                  "rho": {
                    "type": "number",
                    "exclusiveMinimum": 0
                  },
                  "classic_gaussian": {
                    "type": "boolean"
                  }
                }
              },
              "Release": {
                "type": "object",
                "required": [
                  "statistic",
                  "mechanism",
                  "epsilon",
                  "delta",
                  "noise_scale"
                ],
                "properties": {
                  "statistic": {
                    "type": "string"
                  },
                  "column": {
                    "type": "string"
                  },
                  "group_by": {
                    "type": "string"
                  },
                  "mechanism": {
                    "type": "string"
                  },
                  "epsilon": {
                    "type": [
                      "number",
                      "null"
                    ]
                  },
                  "delta": {
                    "type": [
                      "number",
                      "null"
                    ]
                  },
                  "rho": {
                    "type": "number"
                  },
                  "noise_scale": {
                    "type": [
                      "number",
                      "null"
                    ]
                  },
                  "value": {
                    "type": [
                      "number",
                      "null"
                    ]
                  },
                  "ci95": {
                    "type": [
                      "array",
                      "null"
                    ],
                    "items": {
                      "type": "number"
                    }
                  },
                  "quantiles": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "level": {
                          "type": "number"
                        },
                        "value": {
                          "type": "number"
                        }
                      }
                    }
                  },
                  "rows": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": [
                        "key"
                      ],
                      "properties": {
                        "key": {
                          "type": "string"
                        },
                        "value": {
                          "type": [
                            "number",
                            "null"
                          ]
                        },
                        "ci95": {
                          "type": [
                            "array",
                            "null"
                          ],
                          "items": {
                            "type": "number"
                          }
                        }
                      }
                    }
                  },
                  "selection_threshold": {
                    "type": "number"
                  },
                  "ledger_entry": {
                    "type": "string"
                  },
                  "result_digest": {
                    "type": "string"
                  }
                }
              },
              "ModelRequest": {
                "type": "object",
                "additionalProperties": false,
                "required": [
                  "scenario",
                  "dataset",
                  "kind",
                  "features",
                  "label"
                ],
                "properties": {
                  "scenario": {
                    "type": "string"
                  },
                  "dataset": {
                    "type": "string"
                  },
                  "kind": {
                    "enum": [
                      "linear",
                      "logistic"
                    ]
                  },
                  "features": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "label": {
                    "type": "string"
                  },
                  "feature_bounds": {
                    "type": "array",
                    "items": {
                      "type": "array",
                      "items": {
                        "type": "number"
                      },
                      "minItems": 2,
                      "maxItems": 2
                    },
                    "description": "One [low, high] per feature (or row_norm)."
                  },
                  "row_norm": {
                    "type": "number",
                    "exclusiveMinimum": 0
                  },
                  "label_bounds": {
                    "type": "array",
                    "items": {
                      "type": "number"
                    },
                    "minItems": 2,
                    "maxItems": 2,
                    "description": "Linear fits: the label's clamping range."
                  },
                  "mechanism": {
                    "enum": [
                      "laplace",
                      "gaussian",
                      "discrete-laplace",
                      "discrete-gaussian"
                    ]
                  },
                  "epsilon": {
                    "type": "number",
                    "exclusiveMinimum": 0
                  },
                  "delta": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "exclusiveMaximum": 1
                  },
                  "rho": {
                    "type": "number",
                    "exclusiveMinimum": 0
                  },
                  "ridge": {
                    "type": "number",
                    "minimum": 0
                  },
                  "iterations": {
                    "type": "integer",
                    "minimum": 1
                  }
                }
              },
              "Model": {
                "type": "object",
                "required": [
                  "kind",
                  "features",
                  "label",
                  "coefficients",
                  "intercept",
                  "mechanism"
                ],
                "properties": {
                  "kind": {
                    "type": "string"
                  },
                  "features": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "label": {
                    "type": "string"
                  },
                  "coefficients": {
                    "type": "array",
                    "items": {
                      "type": "number"
                    }
                  },
                  "intercept": {
                    "type": "number"
                  },
                  "mechanism": {
                    "type": "string"
                  },
                  "epsilon": {
                    "type": [
                      "number",
                      "null"
                    ]
                  },
                  "delta": {
                    "type": [
                      "number",
                      "null"
                    ]
                  },
                  "rho": {
                    "type": [
                      "number",
                      "null"
                    ]
                  },
                  "ledger_entry": {
                    "type": [
                      "string",
                      "null"
                    ]
                  }
                }
              },
              "SecAggSession": {
                "type": "object",
                "required": [
                  "id",
                  "host",
                  "port",
                  "parties",
                  "dimension",
                  "state"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "host": {
                    "type": "string"
                  },
                  "port": {
                    "type": "integer"
                  },
                  "parties": {
                    "type": "integer"
                  },
                  "dimension": {
                    "type": "integer"
                  },
                  "state": {
                    "enum": [
                      "running",
                      "finished",
                      "failed"
                    ]
                  },
                  "contributors": {
                    "type": [
                      "array",
                      "null"
                    ],
                    "items": {
                      "type": "integer"
                    }
                  },
                  "responders_by_round": {
                    "type": [
                      "object",
                      "null"
                    ],
                    "additionalProperties": {
                      "type": "integer"
                    }
                  },
                  "aggregate": {
                    "type": [
                      "array",
                      "null"
                    ],
                    "items": {
                      "type": "integer"
                    }
                  },
                  "aggregate_sha256": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "error": {
                    "type": [
                      "string",
                      "null"
                    ]
                  }
                }
              },
              "ExportRequest": {
                "type": "object",
                "additionalProperties": false,
                "required": [
                  "scenario",
                  "dataset",
                  "name",
                  "quasi_identifiers",
                  "hierarchies",
                  "k"
                ],
                "properties": {
                  "scenario": {
                    "type": "string"
                  },
                  "dataset": {
                    "type": "string"
                  },
                  "name": {
                    "type": "string",
                    "description": "The export file's name (one segment, e.g. cohort.csv)."
                  },
                  "quasi_identifiers": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "hierarchies": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "string",
                      "description": "ARX CSV hierarchy (';'-separated)."
                    }
                  },
                  "k": {
                    "type": "integer",
                    "minimum": 2
                  },
                  "suppression": {
                    "type": "number",
                    "minimum": 0,
                    "exclusiveMaximum": 1
                  },
                  "metric": {
                    "enum": [
                      "loss",
                      "discernibility",
                      "aecs",
                      "entropy"
                    ]
                  },
                  "sensitive": {
                    "type": "string"
                  },
                  "l": {
                    "type": "integer",
                    "minimum": 2
                  },
                  "t": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "maximum": 1
                  },
                  "drop_suppressed": {
                    "type": "boolean"
                  }
                }
              },
              "Export": {
                "type": "object",
                "required": [
                  "file",
                  "levels",
                  "sha256",
                  "bytes",
                  "download"
                ],
                "properties": {
                  "file": {
                    "type": "string"
                  },
                  "levels": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "integer"
                    }
                  },
                  "sha256": {
                    "type": "string"
                  },
                  "bytes": {
                    "type": "integer"
                  },
                  "download": {
                    "type": "string"
                  }
                }
              },
              "ReleaseLine": {
                "type": "object",
                "required": [
                  "id",
                  "scenario",
                  "dataset",
                  "query",
                  "charged_at"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "scenario": {
                    "type": "string"
                  },
                  "dataset": {
                    "type": "string"
                  },
                  "query": {
                    "type": "string"
                  },
                  "epsilon": {
                    "type": [
                      "number",
                      "null"
                    ]
                  },
                  "delta": {
                    "type": [
                      "number",
                      "null"
                    ]
                  },
                  "rho": {
                    "type": [
                      "number",
                      "null"
                    ]
                  },
                  "charged_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "result_digest": {
                    "type": [
                      "string",
                      "null"
                    ]
                  }
                }
              },
              "AuditVerification": {
                "type": "object",
                "required": [
                  "entries",
                  "head",
                  "chain_verifies",
                  "signatures_verified",
                  "signature_failures",
                  "state_disagreements"
                ],
                "properties": {
                  "entries": {
                    "type": "integer"
                  },
                  "head": {
                    "type": "string"
                  },
                  "chain_verifies": {
                    "type": "boolean"
                  },
                  "chain_problem": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "signatures_verified": {
                    "type": "integer"
                  },
                  "signature_failures": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "state_disagreements": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  }
                }
              }
            }
          }
        }
        """#
}
