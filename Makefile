# Prediction Relay: the two commands are `make run` and `make test`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

MVN       ?= mvn -B -q
JAVA      ?= java
PIPELINE  ?= local-spark
ROWS      ?= 1000000
DATA      ?= data/predictions
TOPIC     ?= predictions
PORT      ?= 9092
BOOTSTRAP ?= 127.0.0.1:$(PORT)
KAFKA_DIR ?= .local/kafka
SECURE_PORT ?= 9094
CLUSTER_PORT ?= 9192
CLUSTER_DIR  ?= .local/kafka-cluster
SECURE_DIR  ?= .local/kafka-secure
HDFS_DIR  ?= .local/hdfs
HDFS_PORT ?= 8020
HDFS_HTTP_PORT ?= 9870
S3_DIR    ?= .local/s3
S3_PORT   ?= 9000
S3_BUCKET ?= predictions
HEAP      ?= 4g
LAYOUT    ?= objects
PRECISION ?= 0

# Spark binds its web UI to SPARK_LOCAL_IP, else to every interface: keep everything on loopback.
export SPARK_LOCAL_IP := 127.0.0.1

# The Flink runner lives in a Maven profile of its own (see pom.xml); its runs use that classpath.
ifeq ($(PIPELINE),local-flink)
  PROFILE        := -Pflink
  CLASSPATH_FILE := target/classpath-flink.txt
else
  PROFILE        :=
  CLASSPATH_FILE := target/classpath.txt
endif
SPARK_HOME_JARS := spark-home/target/jars
BROKER_CP      := broker/target/classpath.txt
HDFS_CP        := hdfs/target/classpath.txt
S3_CP          := s3/target/classpath.txt
# The local servers' launchers (servers/, a Maven project of their own): not in the application.
SERVERS_CP     := servers/target/classpath.txt
SERVERS_JAVA    = $(JAVA) @.mvn/jvm.config -cp servers/target/classes:$$(cat $(SERVERS_CP))
RUN_JAVA        = $(JAVA) @.mvn/jvm.config -Xmx$(HEAP) -cp target/classes:$$(cat $(CLASSPATH_FILE))
CDS_JAR        := target/cds/prediction-relay-classes.jar
CDS_ARCHIVE    := target/cds/$(PIPELINE).jsa
CDS_JAVA        = $(JAVA) @.mvn/jvm.config -Xmx$(HEAP) -cp $(CDS_JAR):$$(cat $(CLASSPATH_FILE))
PIPELINE_ARGS   = $$(sed -e 's/\#.*//' pipelines/$(PIPELINE) | xargs)

.PHONY: help build servers broker-classpath hdfs-classpath s3-classpath data broker-start broker-stop broker-status \
	secure-broker-start secure-broker-stop kafka-cluster-start kafka-cluster-stop kafka-cluster-status hdfs-start hdfs-stop hdfs-status s3-start s3-stop s3-status copy run \
	publish verify test test-faults bench bench-incremental jmh jar spark-home cluster-up cluster-down clean clean-data cds

help:
	@echo "make run            build, generate $(ROWS) rows if missing, start Kafka, publish (PIPELINE=$(PIPELINE)), verify"
	@echo "make test           the whole test suite (unit and integration)"
	@echo "make test-faults    the fault runs, which CI runs too: a standalone Spark cluster's executors, worker and driver"
	@echo "                    killed; a run killed at seeded random points and resumed; a three-broker Kafka cluster's"
	@echo "                    leader killed and a rolling restart"
	@echo "make data           generate ROWS=$(ROWS) rows under $(DATA)"
	@echo "make servers        build the local servers' launchers (servers/: broker, HDFS, S3, Spark cluster)"
	@echo "make broker-start   start the local KRaft broker on $(BOOTSTRAP) (idempotent); broker-stop, broker-status"
	@echo "make secure-broker-start  a SASL_SSL/SCRAM broker with ACLs on 127.0.0.1:$(SECURE_PORT) (mutual TLS on"
	@echo "                    port+2), client properties files under $(SECURE_DIR) (idempotent); secure-broker-stop"
	@echo "make kafka-cluster-start  three KRaft brokers on 127.0.0.1:$(CLUSTER_PORT),+2,+4 (replication factor 3,"
	@echo "                    min.insync.replicas=2), waiting until all are in sync (idempotent); kafka-cluster-stop, -status"
	@echo "make hdfs-start     start a local HDFS, NameNode hdfs://127.0.0.1:$(HDFS_PORT) and a DataNode (idempotent); hdfs-stop, hdfs-status"
	@echo "make s3-start       start a local S3 (S3Proxy) on http://127.0.0.1:$(S3_PORT) with bucket $(S3_BUCKET) (idempotent); s3-stop, s3-status"
	@echo "make copy           copy Parquet files FROM=dir TO=hdfs://…/dir/ or s3://bucket/dir/ (ARGS=\"--endpoint=… --s3PathStyleAccess=true\")"
	@echo "make publish        run the pipeline only (ARGS=\"--more --options\"); make verify: the verifier only"
	@echo "                    payload: LAYOUT=objects|compact, PRECISION=0 (exact) or 1-17 significant digits"
	@echo "make bench          this pipeline vs plain Spark vs the floor, ROWS=$(ROWS); writes docs/benchmarks.md"
	@echo "make bench-incremental  full run, 5% of the rows changed, --changesSince=last, on Delta tables and a Hive"
	@echo "                    directory of ROWS=$(ROWS) rows; fails unless exactly the changed ids are published"
	@echo "make jmh            JMH micro-benchmarks of the hot paths"
	@echo "make cds            the class-data-sharing archive make run/publish start from (built when missing or stale)"
	@echo "make jar            target/*-app.jar (java -jar) and target/*-spark-provided.jar (spark-submit)"
	@echo "make cluster-up     a Spark standalone master and worker on 127.0.0.1:7077 (UI :8080); cluster-down"
	@echo "pipelines:          $$(ls pipelines | xargs)"

build: $(CLASSPATH_FILE)
	$(MVN) compile

$(CLASSPATH_FILE): pom.xml
	$(MVN) $(PROFILE) dependency:build-classpath -Dmdep.outputFile=$(CLASSPATH_FILE)

$(SERVERS_CP): servers/pom.xml $(shell find servers/src -type f)
	cd servers && $(MVN) compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt

servers: $(SERVERS_CP)

$(BROKER_CP): broker/pom.xml
	cd broker && $(MVN) dependency:build-classpath -Dmdep.outputFile=target/classpath.txt

broker-classpath: $(BROKER_CP)

$(HDFS_CP): hdfs/pom.xml
	cd hdfs && $(MVN) dependency:build-classpath -Dmdep.outputFile=target/classpath.txt

hdfs-classpath: $(HDFS_CP)

$(S3_CP): s3/pom.xml
	cd s3 && $(MVN) dependency:build-classpath -Dmdep.outputFile=target/classpath.txt

s3-classpath: $(S3_CP)

data: build
	@if ls $(DATA)/*.parquet >/dev/null 2>&1; then \
	  echo "using the Parquet files already in $(DATA) (make clean-data to regenerate)"; \
	else \
	  $(RUN_JAVA) io.predictionrelay.tools.GeneratePredictions --rows=$(ROWS) --output=$(DATA); \
	fi

broker-start: $(SERVERS_CP) $(BROKER_CP)
	$(SERVERS_JAVA) io.predictionrelay.servers.LocalKafkaBroker start --dir=$(KAFKA_DIR) --port=$(PORT) --classpathFile=$(BROKER_CP)

broker-stop: $(SERVERS_CP)
	$(SERVERS_JAVA) io.predictionrelay.servers.LocalKafkaBroker stop --dir=$(KAFKA_DIR)

broker-status: $(SERVERS_CP)
	@$(SERVERS_JAVA) io.predictionrelay.servers.LocalKafkaBroker status --dir=$(KAFKA_DIR)

# The secured broker (SASL_SSL, SCRAM-SHA-512, ACLs; mutual TLS on SECURE_PORT+2): prints the paths of the
# writer's and the reader's client properties files, for --kafkaConfigFile or Kafka's own --command-config.
secure-broker-start: $(SERVERS_CP) $(BROKER_CP)
	$(SERVERS_JAVA) io.predictionrelay.servers.LocalKafkaBroker start --secured --dir=$(SECURE_DIR) --port=$(SECURE_PORT) --classpathFile=$(BROKER_CP)

secure-broker-stop: $(SERVERS_CP)
	$(SERVERS_JAVA) io.predictionrelay.servers.LocalKafkaBroker stop --dir=$(SECURE_DIR)

# Three KRaft nodes (broker and controller each), JVMs of their own, data under $(CLUSTER_DIR)/node-N;
# publish to it with BOOTSTRAP=127.0.0.1:$(CLUSTER_PORT) (a client finds the other two from the first).
kafka-cluster-start: $(SERVERS_CP) $(BROKER_CP)
	$(SERVERS_JAVA) io.predictionrelay.servers.LocalKafkaCluster start --dir=$(CLUSTER_DIR) --port=$(CLUSTER_PORT) --classpathFile=$(BROKER_CP)

kafka-cluster-stop: $(SERVERS_CP)
	$(SERVERS_JAVA) io.predictionrelay.servers.LocalKafkaCluster stop --dir=$(CLUSTER_DIR)

kafka-cluster-status: $(SERVERS_CP)
	@$(SERVERS_JAVA) io.predictionrelay.servers.LocalKafkaCluster status --dir=$(CLUSTER_DIR)

# A NameNode and a DataNode from Apache Hadoop's jars (hdfs/pom.xml), JVMs of their own, data under $(HDFS_DIR).
hdfs-start: $(SERVERS_CP) $(HDFS_CP)
	$(SERVERS_JAVA) io.predictionrelay.servers.LocalHdfs start --dir=$(HDFS_DIR) --port=$(HDFS_PORT) \
	  --httpPort=$(HDFS_HTTP_PORT) --classpathFile=$(HDFS_CP)

hdfs-stop: $(SERVERS_CP)
	$(SERVERS_JAVA) io.predictionrelay.servers.LocalHdfs stop --dir=$(HDFS_DIR)

hdfs-status: $(SERVERS_CP)
	@$(SERVERS_JAVA) io.predictionrelay.servers.LocalHdfs status --dir=$(HDFS_DIR)

# S3Proxy (s3/pom.xml) in a JVM of its own, objects under $(S3_DIR)/data; see LocalS3 for its test identity.
s3-start: $(SERVERS_CP) $(S3_CP)
	$(SERVERS_JAVA) io.predictionrelay.servers.LocalS3 start --dir=$(S3_DIR) --port=$(S3_PORT) --bucket=$(S3_BUCKET) \
	  --classpathFile=$(S3_CP)

s3-stop: $(SERVERS_CP)
	$(SERVERS_JAVA) io.predictionrelay.servers.LocalS3 stop --dir=$(S3_DIR)

s3-status: $(SERVERS_CP)
	@$(SERVERS_JAVA) io.predictionrelay.servers.LocalS3 status --dir=$(S3_DIR)

# Copies files through Beam's file systems, e.g. make copy FROM=data/predictions TO=hdfs://127.0.0.1:8020/predictions/
copy: build
	$(RUN_JAVA) io.predictionrelay.tools.CopyFiles --from=$(FROM) --to=$(TO) $(ARGS)

PROVIDED_JAR := target/prediction-relay-0.1.0-SNAPSHOT-spark-provided.jar

# On the standalone cluster the pipeline goes the way it goes on any cluster: the spark-provided
# jar through Spark's own spark-submit (SparkSubmit from the Spark home's jars).
ifeq ($(PIPELINE),spark-standalone)
  PUBLISH_NEEDS := $(PROVIDED_JAR) $(SPARK_HOME_JARS)
  PUBLISH_CMD    = SPARK_HOME=$(CURDIR)/spark-home/target SPARK_SCALA_VERSION=2.12 \
	$(JAVA) @.mvn/jvm.config -Xmx$(HEAP) -Dlog4j2.configurationFile=src/main/resources/log4j2.properties \
	-cp '$(CURDIR)/spark-home/target/jars/*' \
	org.apache.spark.deploy.SparkSubmit --master spark://127.0.0.1:7077 \
	--class io.predictionrelay.PublishPredictions $(PROVIDED_JAR)
else
  # Locally the publisher starts from a class-data-sharing archive of its own classpath (make cds).
  PUBLISH_NEEDS := $(CDS_ARCHIVE)
  PUBLISH_CMD    = $(CDS_JAVA) -XX:SharedArchiveFile=$(CDS_ARCHIVE) io.predictionrelay.PublishPredictions
endif

# Class-data sharing: of the ~15,700 classes a Spark run loads from some 300 jars, ~12,300 are parsed
# and verified once into an archive that later runs map instead (the rest are Java 5 class files or
# generated at run time, which CDS cannot hold). A 2,000-row dry run took 8.9-13.2 s wall and 12-13 CPU s
# with it, 12.2-18.3 s and 18-20 CPU s without (docs/benchmarks.md). CDS archives only classes from
# jars, so the project's classes go into a jar of their own; a changed jar or classpath makes the JVM
# ignore the archive with a warning, and the rules below rebuild it first. It is dumped at the end of
# a dry run (--sink=files) of 2,000 rows, so no broker is needed; its 1,400 "Pre JDK 6 class" warnings
# go to target/cds/dump-$(PIPELINE).log.
$(CDS_JAR): pom.xml $(CLASSPATH_FILE) $(shell find src/main -type f)
	$(MVN) compile
	@mkdir -p $(dir $@)
	jar cf $@ -C target/classes .

$(CDS_ARCHIVE): $(CDS_JAR)
	rm -rf target/cds/data-$(PIPELINE) target/cds/messages-$(PIPELINE)
	$(CDS_JAVA) io.predictionrelay.tools.GeneratePredictions --rows=2000 --output=target/cds/data-$(PIPELINE)
	$(CDS_JAVA) -XX:ArchiveClassesAtExit=$@ io.predictionrelay.PublishPredictions \
	  --input=target/cds/data-$(PIPELINE) --sink=files --outputDir=target/cds/messages-$(PIPELINE) \
	  $(PIPELINE_ARGS) > target/cds/dump-$(PIPELINE).log 2>&1 || { cat target/cds/dump-$(PIPELINE).log; exit 1; }

cds: $(CDS_ARCHIVE)

$(PROVIDED_JAR):
	mvn -B -q -Pspark-provided -DskipTests package

publish: build $(PUBLISH_NEEDS)
	$(PUBLISH_CMD) --input=$(DATA) --bootstrapServers=$(BOOTSTRAP) --topic=$(TOPIC) \
	  --layout=$(LAYOUT) --doublePrecision=$(PRECISION) $(PIPELINE_ARGS) $(ARGS)

verify: build
	$(RUN_JAVA) io.predictionrelay.verify.VerifyTopic --input=$(DATA) --bootstrapServers=$(BOOTSTRAP) --topic=$(TOPIC) \
	  --layout=$(LAYOUT) --doublePrecision=$(PRECISION) $(if $(SINCE),--since=$(SINCE))

# Verifies only what this run wrote, so earlier runs on the same topic do not count as duplicates.
run: data broker-start
	@since=$$(date +%s%3N); \
	$(MAKE) --no-print-directory publish && $(MAKE) --no-print-directory verify SINCE=$$since

$(SPARK_HOME_JARS): spark-home/pom.xml
	cd spark-home && $(MVN) dependency:copy-dependencies -DoutputDirectory=target/jars

spark-home: $(SPARK_HOME_JARS)

# The standalone cluster: a master on 127.0.0.1:7077 (UI :8080) and a worker (UI :8081), JVMs of their own.
cluster-up: $(SERVERS_CP) $(SPARK_HOME_JARS)
	$(SERVERS_JAVA) io.predictionrelay.servers.LocalSparkCluster up --dir=.local/spark --sparkHome=spark-home/target

cluster-down: $(SERVERS_CP)
	$(SERVERS_JAVA) io.predictionrelay.servers.LocalSparkCluster down --dir=.local/spark

# The application jars: target/*-app.jar (java -jar) and target/*-spark-provided.jar (spark-submit).
jar:
	mvn -B -q -Pspark-provided -DskipTests package
	mvn -B -q -DskipTests package

# The standalone-cluster test submits the spark-provided jar, so it is built first; the Flink test
# runs last, in a build with the flink profile (Flink's libraries kept off the Spark tests' classpath).
test: $(SERVERS_CP) $(BROKER_CP) $(HDFS_CP) $(S3_CP) $(SPARK_HOME_JARS)
	mvn -B -q -Pspark-provided -DskipTests package
	mvn -B verify
	mvn -B -Pflink test-compile failsafe:integration-test failsafe:verify

# The longest fault runs, apart from make test (CI runs both): executors, a worker and the driver of a
# standalone Spark cluster killed during runs (ClusterFaultsIT, on the spark-provided jar); one run
# killed at seeded random points and resumed until complete (ChaosIT); brokers of a three-node Kafka
# cluster killed and restarted during runs (BrokerClusterFaultsIT).
test-faults: $(SERVERS_CP) $(BROKER_CP) $(HDFS_CP) $(S3_CP) $(SPARK_HOME_JARS)
	mvn -B -q -Pspark-provided -DskipTests package
	mvn -B -Pfaults test-compile failsafe:integration-test failsafe:verify

BENCH_CP := target/bench-classpath.txt
BENCH_FLINK_CP := target/bench-flink-classpath.txt

# Runs the contenders one after the other on the same data and broker, so their ratios come from one
# run; the broker's CPU is read from its pid file. See docs/benchmarks.md. BENCH_ARGS passes more,
# e.g. BENCH_ARGS='--jvmArgs=-XX:+UseSerialGC --pipelineArgs=--grouping=bundle'; --payloads=false skips the bytes-per-prediction table.
# The figures in docs/benchmarks.md are taken in -Xmx2g (issue #21: 60M rows must run in it); HEAP=4g on the
# command line still wins.
bench: HEAP = 2g
bench: broker-start
	$(MVN) -Pbench compile dependency:build-classpath -Dmdep.outputFile=$(BENCH_CP)
	$(MVN) -Pbench,flink dependency:build-classpath -Dmdep.outputFile=$(BENCH_FLINK_CP)
	$(JAVA) @.mvn/jvm.config -Xmx2g -cp target/classes:$$(cat $(BENCH_CP)) io.predictionrelay.bench.Bench \
	  --rows=$(ROWS) --bootstrapServers=$(BOOTSTRAP) --heap=$(HEAP) --brokerPid=$(KAFKA_DIR)/broker.pid \
	  $(if $(CONTENDERS),--contenders=$(CONTENDERS)) $(BENCH_ARGS)

# Issue #20's measurement (IncrementalBench): two Delta tables (change data feed on and off, deletion vectors on)
# and a Hive directory of the bench's rows, written once under data/bench-incremental-$(ROWS) and put back before
# each run; for each, a full run, 5% of the rows changed (a Spark UPDATE in every file; a new partition), and a
# --changesSince=last run, each measured as make bench measures a contender. Exits 1 unless the incremental run
# published exactly the changed ids. Writes docs/bench/incremental-$(ROWS).json and its section of docs/benchmarks.md.
# BENCH_ARGS='--tables=delta' runs one table (the others' figures are kept); '--note="…"' says how the figures were
# taken (what else ran); '--pipelineArgs=--sparkPartitions=8' passes options to both runs.
bench-incremental: broker-start
	$(MVN) -Pbench compile dependency:build-classpath -Dmdep.outputFile=$(BENCH_CP)
	$(JAVA) @.mvn/jvm.config -Xmx2g -cp target/classes:$$(cat $(BENCH_CP)) io.predictionrelay.bench.IncrementalBench \
	  --rows=$(ROWS) --bootstrapServers=$(BOOTSTRAP) --heap=$(HEAP) --brokerPid=$(KAFKA_DIR)/broker.pid $(BENCH_ARGS)

jmh:
	$(MVN) -Pbench compile dependency:build-classpath -Dmdep.outputFile=$(BENCH_CP)
	$(JAVA) -cp target/classes:$$(cat $(BENCH_CP)) org.openjdk.jmh.Main -f 1 -wi 3 -i 5 -w 1s -r 2s $(JMH_ARGS)

clean-data:
	rm -rf $(DATA)

clean:
	mvn -B -q clean
	rm -rf servers/target broker/target spark-home/target hdfs/target s3/target
