package dev.deltaci.core.pipeline;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/** The jobs' {@code needs}: every name must be a job of the pipeline, and they must form no cycle. */
final class NeedsChecker extends YamlReader {

    NeedsChecker(String file, List<ConfigProblem> problems) {
        super(file, problems);
    }

    /** Unknown jobs in {@code needs} and cycles are errors, reported at the {@code needs} entry. */
    void check(Map<String, JobSpec> jobs, Map<String, NodeTuple> jobNodes) {
        for (JobSpec job : jobs.values()) {
            for (String need : job.needs()) {
                if (need.equals(job.key())) {
                    problem(needsNode(jobNodes, job.key()), "job '" + job.key() + "' needs itself");
                } else if (!jobNodes.containsKey(need)) {
                    problem(needsNode(jobNodes, job.key()), "job '" + job.key() + "' needs unknown job '" + need
                            + "'; jobs are: " + String.join(", ", jobNodes.keySet()));
                }
            }
        }
        Set<String> done = new HashSet<>();
        for (String start : jobs.keySet()) {
            List<String> cycle = findCycle(start, jobs, new ArrayList<>(), new HashSet<>(), done);
            if (cycle != null) {
                problem(needsNode(jobNodes, cycle.get(0)), "'needs' form a cycle: " + String.join(" -> ", cycle));
                return;
            }
        }
    }

    private static List<String> findCycle(String key, Map<String, JobSpec> jobs, List<String> path,
                                          Set<String> onPath, Set<String> done) {
        if (onPath.contains(key)) {
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(key), path.size()));
            cycle.add(key);
            return cycle;
        }
        JobSpec job = jobs.get(key);
        if (job == null || done.contains(key)) {
            return null;
        }
        path.add(key);
        onPath.add(key);
        for (String need : job.needs()) {
            if (!need.equals(key)) {
                List<String> cycle = findCycle(need, jobs, path, onPath, done);
                if (cycle != null) {
                    return cycle;
                }
            }
        }
        path.remove(path.size() - 1);
        onPath.remove(key);
        done.add(key);
        return null;
    }

    private static Node needsNode(Map<String, NodeTuple> jobNodes, String key) {
        Node job = jobNodes.get(key).getValueNode();
        if (job instanceof MappingNode mapping) {
            for (NodeTuple tuple : mapping.getValue()) {
                if (tuple.getKeyNode() instanceof ScalarNode s && s.getValue().equals("needs")) {
                    return tuple.getValueNode();
                }
            }
        }
        return job;
    }

}
