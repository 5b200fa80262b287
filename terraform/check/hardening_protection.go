package check

// Deletion protection and the ALB access logs.

import (
	"fmt"
	"strings"
)

func checkDeletionProtection(e *Evaluator) []error {
	var errs []error
	c, err := cluster(e)
	if err != nil {
		return []error{err}
	}
	want := e.Var("cluster_deletion_protection").True()
	if got, ok := c.Bool("deletion_protection"); !ok || got != want {
		errs = append(errs, fmt.Errorf("aws_eks_cluster.this deletion_protection = %v, want cluster_deletion_protection (%v)", c.Get("deletion_protection").GoString(), want))
	}
	alb, err := e.Resource("aws_lb.this")
	if err != nil {
		return append(errs, err)
	}
	want = e.Var("alb_deletion_protection").True()
	if got, ok := alb[""].Bool("enable_deletion_protection"); !ok || got != want {
		errs = append(errs, fmt.Errorf("aws_lb.this enable_deletion_protection = %v, want alb_deletion_protection (%v)", alb[""].Get("enable_deletion_protection").GoString(), want))
	}
	return errs
}

// bucketConfig finds the instance of a bucket sub-resource type that
// configures bucket (placeholder of the bucket's id or bucket attribute).
func bucketConfig(e *Evaluator, typ, bucketAddr string) (*Instance, error) {
	insts, err := e.ResourcesOfType(typ)
	if err != nil {
		return nil, err
	}
	for _, in := range sortedInstances(insts) {
		if a, _ := splitPlaceholder(in.String("bucket")); a == bucketAddr {
			return in, nil
		}
	}
	return nil, fmt.Errorf("no %s for %s", typ, bucketAddr)
}

func checkALBAccessLogs(e *Evaluator) []error {
	albs, err := e.Resource("aws_lb.this")
	if err != nil {
		return []error{err}
	}
	alb := albs[""]
	al := alb.Block("access_logs")
	if al == nil {
		return []error{fmt.Errorf("aws_lb.this has no access_logs")}
	}
	var errs []error
	if on, ok := al.Bool("enabled"); !ok || !on {
		errs = append(errs, fmt.Errorf("aws_lb.this access_logs.enabled must be true"))
	}
	bucketAddr, _ := splitPlaceholder(al.String("bucket"))
	if !strings.HasPrefix(bucketAddr, "aws_s3_bucket.") {
		return append(errs, fmt.Errorf("aws_lb.this access_logs.bucket must be an aws_s3_bucket of this configuration, got %q", al.String("bucket")))
	}
	prefix := al.String("prefix")
	if sse, err := bucketConfig(e, "aws_s3_bucket_server_side_encryption_configuration", bucketAddr); err != nil {
		errs = append(errs, fmt.Errorf("not encrypted: %w", err))
	} else if alg := sse.String("rule.apply_server_side_encryption_by_default.sse_algorithm"); alg != "AES256" {
		// ELB access-log delivery supports SSE-S3 only.
		errs = append(errs, fmt.Errorf("%s: sse_algorithm %q, want AES256 (SSE-S3, the only encryption ELB log delivery supports)", sse.Addr, alg))
	}
	if pab, err := bucketConfig(e, "aws_s3_bucket_public_access_block", bucketAddr); err != nil {
		errs = append(errs, err)
	} else {
		for _, a := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
			if on, ok := pab.Bool(a); !ok || !on {
				errs = append(errs, fmt.Errorf("%s: %s must be true", pab.Addr, a))
			}
		}
	}
	lc, err := bucketConfig(e, "aws_s3_bucket_lifecycle_configuration", bucketAddr)
	if err != nil {
		return append(errs, fmt.Errorf("no lifecycle rule: %w", err))
	}
	want, _ := e.Var("alb_access_log_retention_days").AsBigFloat().Float64()
	found := false
	for _, r := range lc.All("rule") {
		days, ok := r.Number("expiration.days")
		if r.String("status") != "Enabled" || !ok {
			continue
		}
		if p := r.String("filter.prefix"); p != "" && !strings.HasPrefix(prefix+"/", p) {
			continue
		}
		found = true
		if days != want {
			errs = append(errs, fmt.Errorf("%s: access logs expire after %v days, want alb_access_log_retention_days (%v)", lc.Addr, days, want))
		}
	}
	if !found {
		errs = append(errs, fmt.Errorf("%s has no enabled rule that expires the access logs under %q", lc.Addr, prefix+"/"))
	}
	return errs
}
