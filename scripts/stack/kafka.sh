#!/usr/bin/env bash
# Apache Kafka 3.9.1, KRaft single node (broker+controller) on 127.0.0.1,
# jars from Maven Central into $XTREAM_KAFKA_HOME, data in .data/kafka.
# Usage: kafka.sh install|start|stop|status
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
NAME=kafka
CONF_DIR="$STACK_DIR/kafka"

install() {
  [[ -f "$XTREAM_KAFKA_HOME/.complete" ]] && return 0
  need java "Kafka needs a Java 17+ runtime: apt-get install openjdk-17-jre-headless"
  need mvn "Kafka's jars are fetched with Maven: apt-get install maven"
  say "installing Kafka $XTREAM_KAFKA_VERSION jars (Maven Central)…"
  rm -rf "$XTREAM_KAFKA_HOME"
  # -q still lets Maven's console library print bare colour resets; strip them.
  mvn -B -q -Dstyle.color=never -f "$XTREAM_ROOT/scripts/stack/kafka/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$XTREAM_KAFKA_HOME" -DincludeScope=runtime 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^$/d'
  touch "$XTREAM_KAFKA_HOME/.complete"
  say "Kafka jars ready ($(ls "$XTREAM_KAFKA_HOME"/*.jar | wc -l) jars in ${XTREAM_KAFKA_HOME#"$XTREAM_ROOT"/})"
}

write_config() {
  mkdir -p "$CONF_DIR" "$DATA_DIR/kafka"
  cat >"$CONF_DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$XTREAM_KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$XTREAM_KAFKA_PORT,CONTROLLER://127.0.0.1:$XTREAM_KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$XTREAM_KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR/kafka
num.partitions=3
auto.create.topics.enable=true
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
  # The broker logs to a file; tools (StorageTool, health probe) log warnings to stderr only.
  cat >"$CONF_DIR/log4j.properties" <<PROPS
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$LOG_DIR/kafka-server.log
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
PROPS
  cat >"$CONF_DIR/tools-log4j.properties" <<PROPS
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=%p %m%n
PROPS
}

kafka_tool() {
  java -Xmx256m -Dlog4j.configuration="file:$CONF_DIR/tools-log4j.properties" -cp "$XTREAM_KAFKA_HOME/*" "$@"
}

# Broker answers the ApiVersions request. Uses kafkajs when node_modules is
# there (fast); otherwise Kafka's own BrokerApiVersionsCommand (a JVM start, ~2 s).
health() {
  port_open "$XTREAM_KAFKA_PORT" || return 1
  if [[ -d "$XTREAM_ROOT/node_modules/kafkajs" && -x "$TOOLS_DIR/node/bin/node" ]]; then
    "$TOOLS_DIR/node/bin/node" --no-warnings "$XTREAM_ROOT/scripts/stack/kafka-ping.ts" >/dev/null 2>&1
  else
    [[ -f "$CONF_DIR/tools-log4j.properties" ]] || write_config
    kafka_tool kafka.admin.BrokerApiVersionsCommand --bootstrap-server "$KAFKA_BROKERS" >/dev/null 2>&1
  fi
}

start() {
  install
  need java "Kafka needs a Java 17+ runtime: apt-get install openjdk-17-jre-headless"
  if is_running "$NAME"; then return 0; fi
  port_open "$XTREAM_KAFKA_PORT" && die "port $XTREAM_KAFKA_PORT is taken by another process (set XTREAM_KAFKA_PORT)"
  port_open "$XTREAM_KAFKA_CONTROLLER_PORT" && die "port $XTREAM_KAFKA_CONTROLLER_PORT is taken by another process (set XTREAM_KAFKA_CONTROLLER_PORT)"
  write_config
  # Format the KRaft storage only on first run; formatting again would wipe the cluster id.
  if [[ ! -f "$DATA_DIR/kafka/meta.properties" ]]; then
    say "formatting Kafka KRaft storage in .data/kafka"
    local cid
    cid="$(kafka_tool kafka.tools.StorageTool random-uuid)"
    kafka_tool kafka.tools.StorageTool format -t "$cid" -c "$CONF_DIR/server.properties" >>"$LOG_DIR/$NAME.log"
  fi
  say "starting Kafka $XTREAM_KAFKA_VERSION (KRaft) on 127.0.0.1:$XTREAM_KAFKA_PORT"
  spawn "$NAME" java -Xmx512m -Xms256m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$CONF_DIR/log4j.properties" -Dkafka.logs.dir="$LOG_DIR" \
    -cp "$XTREAM_KAFKA_HOME/*" kafka.Kafka "$CONF_DIR/server.properties"
  wait_for "$NAME" 90 health || { tail -n 30 "$LOG_DIR/kafka-server.log" >&2 || true; return 1; }
  if [[ -d "$XTREAM_ROOT/node_modules/kafkajs" && -x "$TOOLS_DIR/node/bin/node" ]]; then
    "$TOOLS_DIR/node/bin/node" --no-warnings "$XTREAM_ROOT/scripts/stack/kafka-ping.ts" --warm >/dev/null \
      || echo "warning: Kafka's group coordinator is not ready yet; consumers may retry for a while" >&2
  fi
}

stop() {
  is_running "$NAME" && say "stopping Kafka"
  stop_pid "$NAME"
}

status() {
  if health; then echo "kafka      healthy   $KAFKA_BROKERS (broker API answered)"; return 0; fi
  if is_running "$NAME"; then echo "kafka      UNHEALTHY running but the broker API does not answer on $KAFKA_BROKERS"; else echo "kafka      stopped"; fi
  return 1
}

component_main "$NAME" "${1:-}"
